"""An advisor's day on a phone (390 px): on My day she taps the client's phone, and the
page offers to log the call; the form comes prefilled (a call, outbound, now, that
client); she notes what was said, plans the next call and, back on the lead, moves it to
"Oferta"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from leads.models import Activity
from tests.factories import ClientFactory, LeadFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_an_advisor_calls_logs_plans_and_moves_the_lead_on_her_phone(
    page, live_server, logged_in_page, advisor
):
    client = ClientFactory(
        first_name="Marta", last_name="Wiśniewska", phone="604 112 233",
        caretaker=advisor, branch=advisor.branch,
    )  # fmt: skip
    lead = LeadFactory(
        branch=advisor.branch, employees=[advisor], clients=[client], intake_outcome="linked"
    )
    Activity.objects.create(
        lead=lead, client=client, employee=advisor, kind="phone",
        planned_at=timezone.now() - timedelta(hours=1), notes="Oddzwonić w sprawie M3",
    )  # fmt: skip
    logged_in_page(advisor)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}{reverse('leads:my_day')}")
    row = page.locator("tr", has_text="Marta Wiśniewska").first
    phone = row.locator("a[href='tel:+48604112233']")
    expect(phone).to_have_text("+48 604 112 233")
    # The phone's own app would take the call; the page stays and offers to log it.
    page.evaluate("window.addEventListener('click', (e) => e.preventDefault(), {once: true})")
    phone.click()
    offer = page.locator("#log-call-offer a")
    expect(offer).to_be_visible()
    assert offer.bounding_box()["height"] >= 44
    offer.click()

    page.wait_for_url(f"**{reverse('leads:conversation_add', args=[lead.pk])}?client={client.pk}")
    expect(page.locator("#id_client")).to_have_value(str(client.pk))
    expect(page.locator("#id_kind")).to_have_value("phone")
    page.locator("#id_notes").fill("Zainteresowana M3 na drugim piętrze, prosi o ofertę.")
    page.locator("#id_plan_next").check()
    tomorrow = timezone.localtime() + timedelta(days=1)
    page.locator("#id_planned_at").fill(tomorrow.strftime("%Y-%m-%dT10:00"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Zapisz", exact=True).click()

    page.wait_for_url(f"**{lead.get_absolute_url()}*")
    page.locator("#lead-status-form select").select_option(label="Oferta")
    page.locator("#lead-status-form button[type=submit]").click()
    expect(page.locator("#lead-status-form select")).to_have_value(
        str(lead.status.__class__.objects.get(slug="oferta").pk)
    )

    lead.refresh_from_db()
    assert lead.status.slug == "oferta"
    done = Activity.objects.get(lead=lead, done_at__isnull=False)
    assert (done.kind, done.direction, done.client_id) == ("phone", "out", client.pk)
    assert "M3 na drugim piętrze" in done.notes
    assert Activity.objects.filter(lead=lead, done_at__isnull=True).count() == 2
