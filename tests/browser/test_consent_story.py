"""Issue 17's story, as its people do it in a real Chromium: a visitor sends the public
inquiry form ticking marketing by email only; the advisor sees "email: yes, phone: no" on
the new lead; logging a marketing phone call warns that the person has not consented to it;
the person phones to withdraw and the advisor records it in two clicks; a manager exports
the person's data and opens the archive; an administrator anonymises the person and the
lead page says so, without their name or email. The public form and the lead page with its
consent panel read out well (axe-core, at a desk's and a phone's width)."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import LeadSource
from consents.models import Kind
from consents.selectors import clauses_offered, controller_default, kinds_offered
from leads.models import AssignmentRule, Lead
from tests.browser.axe import serious

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

FIRST_NAME, LAST_NAME = "Ewelina", "Zgodna"
EMAIL = "ewelina.zgodna@example.pl"
PHONE = "604 555 321"


def serious_violations(page) -> dict[int, list]:
    """axe-core's serious and critical violations at a desk's and a phone's width."""
    found = {}
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        # The page settles to the new width first (a table that now scrolls inside itself
        # takes the focus: static/js/lejek.js, after the resize).
        page.wait_for_timeout(400)
        found[width] = serious(page)
    page.set_viewport_size({"width": 1440, "height": 900})
    return found


@pytest.fixture
def website(advisor):
    """The developer's website embeds the inquiry form; its inquiries go to the advisor."""
    cache.clear()  # the form's per-address counters
    source = LeadSource.objects.get(slug="www")
    source.intake_form_enabled = True
    source.save()
    AssignmentRule.objects.create(name="Wszystkie").pool.add(advisor)
    yield source
    cache.clear()


def test_a_visitors_consents_are_given_warned_withdrawn_exported_and_anonymised(
    page, live_server, log_in, website, advisor, manager, administrator
):
    # 1. The visitor reads the controller's information and one unticked box per marketing
    # channel, and ticks marketing by email only.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}{reverse('intake_form', args=[website.slug])}")
    controller = controller_default()
    expect(page.locator(".intake__information")).to_contain_text(controller.name)
    offered = clauses_offered(controller)
    marketing = [kind for kind in kinds_offered() if kind in offered]
    boxes = page.locator(".intake__consents input[type=checkbox]")
    expect(boxes).to_have_count(len(marketing))
    for kind in marketing:
        box = page.get_by_label(offered[kind].text_pl, exact=True)
        expect(box).to_have_id(f"id_consent_{kind.replace(':', '_')}")
        expect(box).not_to_be_checked()
    assert {Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE} <= set(marketing)
    assert serious_violations(page) == {1440: [], 390: []}
    page.get_by_label("Imię", exact=True).fill(FIRST_NAME)
    page.get_by_label("Nazwisko", exact=True).fill(LAST_NAME)
    page.locator("#id_email").fill(EMAIL)
    page.locator("#id_phone").fill(PHONE)
    page.locator("#id_consent_marketing_email").check()
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/thanks/$"))
    lead = Lead.objects.get(contact_email=EMAIL)

    # 2. The advisor opens the new inquiry: marketing by email yes, by phone no.
    log_in(advisor.username)
    page.goto(f"{live_server.url}/leads/?outcome=new")
    page.get_by_role("row", name=re.compile(f"{FIRST_NAME} {LAST_NAME}")).get_by_role(
        "link"
    ).first.click()
    page.wait_for_url(f"{live_server.url}{lead.get_absolute_url()}")
    panel = page.locator("#consents")
    email_line = panel.locator('dd[data-kind="marketing:email"]')
    phone_line = panel.locator('dd[data-kind="marketing:phone"]')
    expect(email_line).to_have_attribute("data-state", "given")
    expect(email_line).to_contain_text(
        re.compile(r"(yes|tak).*(Public form|Formularz publiczny).*v1", re.IGNORECASE)
    )
    expect(phone_line).to_have_attribute("data-state", "none")
    expect(phone_line.locator(".consents__state")).to_have_text(re.compile(r"^\s*(no|nie)\s*$"))
    assert serious_violations(page) == {1440: [], 390: []}

    # 3. A marketing call logged on the conversation form warns: no consent to be called.
    page.goto(f"{live_server.url}{reverse('leads:conversation_add', args=[lead.pk])}")
    page.locator("#id_kind").select_option("phone")
    page.locator("#id_direction").select_option("out")
    page.locator("#id_notes").fill("Propozycja nowej inwestycji")
    page.locator("#id_is_marketing").check()
    page.locator("#conversation-form button[type=submit]").click()
    warning = page.locator("#conversation-marketing-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(re.compile("PKE art. 398|art. 398 PKE"))
    expect(page.locator("#id_confirm_marketing")).not_to_be_checked()
    assert serious_violations(page) == {1440: [], 390: []}
    # The advisor does not confirm it: nothing is logged.
    assert not lead.activities.filter(done_at__isnull=False).exists()

    # 4. The person phones to withdraw: two clicks on the lead page.
    page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    email_line.locator("summary").click()
    email_line.locator("button[type=submit]").click()
    expect(email_line).to_have_attribute("data-state", "withdrawn")
    today = timezone.localdate().strftime("%d.%m.%Y")
    expect(email_line).to_contain_text(re.compile(rf"(withdrawn|wycofan\w*) {today}", re.I))
    # The history shows both events, the form's with its evidence.
    page.locator("#consents").get_by_role("link", name=re.compile("History|Historia")).click()
    history = page.locator("#consent-history")
    given = history.locator('tr[data-kind="marketing:email"][data-action="given"]')
    expect(given).to_contain_text(f"/intake/{website.slug}/")
    expect(
        history.locator('tr[data-kind="marketing:email"][data-action="withdrawn"]')
    ).to_be_visible()
    assert serious_violations(page) == {1440: [], 390: []}

    # 5. The manager exports the person's data and opens the archive.
    page.context.clear_cookies()
    log_in(manager.username)
    page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    page.locator("#person-actions #privacy-export").click()
    expect(page.locator("#privacy-export-confirm")).to_be_visible()
    assert serious_violations(page) == {1440: [], 390: []}
    with page.expect_download() as download_info:
        page.locator("#privacy-export-start").click()
    with zipfile.ZipFile(download_info.value.path()) as archive:
        person = json.loads(archive.read("person.json"))
        summary = archive.read("podsumowanie.html").decode()
    assert EMAIL in json.dumps(person, ensure_ascii=False)
    actions = {(event["kind"], event["action"]) for event in person["consent_events"]}
    assert {("marketing:email", "given"), ("marketing:email", "withdrawn")} <= actions
    assert f"{FIRST_NAME} {LAST_NAME}" in summary

    # 6. The administrator anonymises the person; the lead page says so, without them.
    page.context.clear_cookies()
    log_in(administrator.username)
    page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    page.locator("#person-actions #privacy-anonymise").click()
    expect(page.locator("#privacy-erasure-confirm")).to_be_visible()
    assert serious_violations(page) == {1440: [], 390: []}
    page.locator("#id_confirm").check()
    page.locator("#privacy-erasure-start").click()
    page.wait_for_url(f"{live_server.url}{lead.get_absolute_url()}")
    expect(page.locator("#lead-anonymised")).to_contain_text(
        re.compile(r"Anonymised|Zanonimizowan", re.IGNORECASE)
    )
    content = page.content()
    for personal in (FIRST_NAME, LAST_NAME, EMAIL, "555 321", "555321"):
        assert personal not in content
