"""Intake's story, end to end: a portal posts an inquiry through the API; the advisor the
rules gave it to finds it among the new leads, recognises among the candidates the client
a teammate added meanwhile (same phone, data masked: not the advisor's client) and hands
the inquiry over to that caretaker, who gets the email (a real Celery worker sends it to
a real SMTP server). A second inquiry, from a new person, becomes a client with a first
call planned. A manager unlinks the first inquiry again."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from clients.models import Client, LeadSource
from clients.services import source_rotate_intake_token
from leads.models import Activity, AssignmentRule, IntakeOutcome, Lead
from tests.browser.lead_actions import lead_action
from tests.factories import ClientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def post_inquiry(live_server, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{live_server.url}/api/intake/leads/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.load(response)


def test_an_inquiry_is_verified_linked_converted_and_unlinked(
    page, live_server, log_in, settings, celery_worker, smtp_sink, advisor, teammate, manager
):
    settings.LEJEK_BASE_URL = live_server.url
    teammate.email = "piotr@lejek.example"
    teammate.save()
    source = LeadSource.objects.get(slug="rynekpierwotny")
    token = source_rotate_intake_token(source=source)
    rule = AssignmentRule.objects.create(name="rynekpierwotny.pl → Anna", priority=1)
    rule.sources.add(source)
    rule.pool.add(advisor)
    first = post_inquiry(
        live_server,
        token,
        {
            "external_id": "rp-1",
            "first_name": "Ewa",
            "last_name": "Nowak",
            "phone": "502 999 888",
            "message": "Czy jest jeszcze 3-pokojowe na parterze?",
        },
    )
    # Meanwhile Ewa phoned the office, and the teammate added her as his client.
    ewa = ClientFactory(
        first_name="Ewa",
        last_name="Nowak",
        phone="+48 502-999-888",
        email="ewa.nowak@example.pl",
        caretaker=teammate,
        branch=teammate.branch,
    )

    # The advisor finds it among the new inquiries and opens it.
    log_in("doradca")
    page.goto(f"{live_server.url}/leads/?outcome=new")
    row = page.get_by_role("row", name=re.compile("Ewa Nowak"))
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()
    page.wait_for_url(f"{live_server.url}/leads/{first['id']}/")
    expect(page.locator("#inquiry-message")).to_contain_text("3-pokojowe na parterze")

    # Ewa is a candidate by her phone; she is not the advisor's client, so her data is
    # masked and choosing her hands the inquiry over to her caretaker.
    lead_action(page, "#lead-verify").click()
    candidate = page.locator(f'#candidates tr[data-client="{ewa.pk}"]')
    expect(candidate).to_contain_text("E*** N***")
    expect(candidate).to_contain_text("ten sam telefon")
    expect(candidate).to_contain_text("*** *** 888")
    expect(candidate).not_to_contain_text("ewa.nowak")
    page.once("dialog", lambda dialog: dialog.accept())
    candidate.get_by_role("button", name="Przekaż opiekunowi").click()
    page.wait_for_url(f"{live_server.url}/leads/")
    expect(page.locator(".messages")).to_contain_text("przekazane tej osobie")
    lead = Lead.objects.get(pk=first["id"])
    assert lead.intake_outcome == IntakeOutcome.LINKED
    assert list(lead.clients.all()) == [ewa]
    assert list(lead.employees.all()) == [teammate]
    page.goto(f"{live_server.url}{ewa.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Nie znaleziono")).to_be_visible()

    # Both emails arrive, in Polish, each with a link to the lead: the advisor's about the
    # new inquiry, the caretaker's about the lead linked to his client.
    deliveries = smtp_sink.wait_for(2)
    by_recipient = {tuple(d.rcpt_tos): d.message for d in deliveries}
    assert set(by_recipient) == {(advisor.email,), ("piotr@lejek.example",)}
    link = f"{live_server.url}/leads/{first['id']}/"
    to_advisor, to_caretaker = by_recipient[(advisor.email,)], by_recipient[(teammate.email,)]
    assert to_advisor["Subject"] == "Nowy lead: Ewa Nowak"
    assert to_caretaker["Subject"] == "Lead powiązany z Twoim klientem: Ewa Nowak"
    for message in (to_advisor, to_caretaker):
        assert link in message.get_body(("plain",)).get_content()

    # A second inquiry from a new person becomes a client, with a first call planned.
    second = post_inquiry(
        live_server,
        token,
        {"first_name": "Tomasz", "last_name": "Lis", "phone": "601 333 444", "email": "t@lis.pl"},
    )
    page.goto(f"{live_server.url}/leads/{second['id']}/verify/")
    expect(page.locator("#no-candidates")).to_be_visible()
    page.locator("#lead-new-client").click()
    expect(page.locator("#id_first_name")).to_have_value("Tomasz")
    expect(page.locator("#id_phone")).to_have_value("+48601333444")
    page.locator("#client-save").click()
    page.wait_for_url(f"{live_server.url}/leads/{second['id']}/")
    expect(page.locator("#lead-next-conversation")).not_to_contain_text("—")
    tomasz = Client.objects.get(last_name="Lis")
    assert Lead.objects.get(pk=second["id"]).intake_outcome == IntakeOutcome.CONVERTED
    assert Activity.objects.filter(lead_id=second["id"], client=tomasz, done_at=None).count() == 1

    # The manager unlinks the first inquiry from Ewa's page: it is new again.
    page.context.clear_cookies()
    log_in("kierownik")
    page.goto(f"{live_server.url}{ewa.get_absolute_url()}")
    page.locator(".client-leads__unlink summary").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#unlink-{first['id']}").click()
    page.wait_for_url(f"{live_server.url}{ewa.get_absolute_url()}")
    lead.refresh_from_db()
    assert lead.intake_outcome == IntakeOutcome.NEW
    assert not lead.clients.exists()
    # ...and back among the new inquiries of the lead list.
    page.goto(f"{live_server.url}/leads/?outcome=new")
    expect(page.get_by_role("row", name=re.compile("Ewa Nowak"))).to_be_visible()
