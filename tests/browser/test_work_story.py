"""Working a lead, end to end in a real browser: the advisor logs a call and plans a meeting,
accepts the suggested status, fills the purchase survey, offers two units, reserves one (the
unit shows reserved) while a teammate's attempt at the same unit is refused with who holds
it until when, signs the contract (the lead is won, the unit sold) and keeps a note with a
PDF that downloads from Documents. Meanwhile a real Celery beat and worker send the
meeting's reminder to a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import formats, timezone
from playwright.sync_api import expect

from investments.models import UnitStatus
from leads.models import Activity, Document, Lead, SurveyTemplate
from tests.browser.lead_actions import lead_action
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, UnitFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def story(advisor, teammate):
    advisor.email = "anna@lejek.test"
    advisor.save()
    akacjowa = InvestmentFactory(name="Akacjowa", code="akacjowa")
    a1 = UnitFactory(investment=akacjowa, number="A1", list_price=Decimal("420000.00"))
    a2 = UnitFactory(investment=akacjowa, number="A2", list_price=Decimal("610000.00"))
    jan = ClientFactory(first_name="Jan", last_name="Kowalski", caretaker=advisor,
                        branch=advisor.branch)  # fmt: skip
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], clients=[jan])
    lead.investments.add(akacjowa)
    # The teammate's own lead on the same investment.
    other = LeadFactory(branch=advisor.branch, employees=[teammate])
    other.investments.add(akacjowa)
    return lead, other, a1, a2


def local_input(moment) -> str:
    """A moment as a datetime-local input takes it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_advisor_works_a_lead_from_the_first_call_to_the_contract(
    page, browser, live_server, log_in, settings, smtp_sink, celery_beat, story, teammate
):
    settings.LEJEK_BASE_URL = live_server.url
    lead, other, a1, a2 = story
    lead_url = f"{live_server.url}/leads/{lead.pk}/"
    log_in("doradca")

    # A call that took place, and a meeting planned in twenty minutes (within the reminder
    # window of the settings' 30 minutes).
    page.goto(lead_url)
    lead_action(page, "#lead-add-conversation").click()
    page.locator("#id_notes").fill("Klient pyta o 3 pokoje z balkonem")
    page.locator("#id_plan_next").check()
    page.locator("#id_planned_kind").select_option("meeting")
    meeting_at = (timezone.now() + timedelta(minutes=20)).replace(second=0, microsecond=0)
    page.locator("#id_planned_at").fill(local_input(meeting_at))
    page.locator("#conversation-form button[type=submit]").click()

    # The status is suggested after the first conversation; the advisor accepts it.
    expect(page).to_have_url(re.compile(r"\?suggest=oferta$"))
    expect(page.locator("#status-suggestion")).to_contain_text("Oferta")
    page.locator("#status-suggestion-accept").click()
    expect(page.locator("#lead-name + .status-badge, .lead-header__title")).to_contain_text(
        "Oferta"
    )
    expect(page.locator("#lead-next-conversation")).to_contain_text("Spotkanie")
    expect(page.locator("#lead-last-conversation")).to_contain_text("Telefon")

    # The purchase survey.
    survey = SurveyTemplate.objects.get(is_default=True)
    questions = {question.text: question.pk for question in survey.questions.all()}
    lead_action(page, "#lead-survey-fill").click()
    page.locator(f"[name='question_{questions['Budżet (PLN)']}']").fill("550000")
    page.locator(f"[name='question_{questions['Liczba pokoi']}'][value='3']").check()
    page.locator(
        f"[name='question_{questions['Finansowanie']}'][value='Kredyt hipoteczny']"
    ).check()
    page.locator("#survey-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"\?tab=surveys"))
    expect(page.locator("#lead-tab-panel")).to_contain_text("Kredyt hipoteczny")

    # An offer of two units.
    lead_action(page, "#lead-offer-create").click()
    page.locator(f"#offer-unit-{a1.pk}-pick").check()
    page.locator(f"#offer-unit-{a2.pk}-pick").check()
    page.locator("#offer-units-add").click()
    page.locator(f"input[name='price_{a2.pk}']").fill("600000")
    page.locator("#offer-create").click()
    expect(page.locator("#lead-tab-panel")).to_contain_text("A2")
    assert lead.offers.get().items.count() == 2

    # The teammate opens the reservation form for A1 on their own lead...
    rival = browser.new_context(locale="pl-PL")
    rival_page = rival.new_page()
    rival_page.goto(f"{live_server.url}/login/")
    rival_page.get_by_label("Nazwa użytkownika").fill(teammate.username)
    rival_page.get_by_label("Hasło").fill("haslo-testowe-123")
    rival_page.keyboard.press("Enter")
    rival_page.wait_for_url(f"{live_server.url}/")
    rival_page.goto(f"{live_server.url}/leads/{other.pk}/reservations/new/")
    rival_page.locator(f"#id_unit-option-{a1.pk}").click()

    # ...while the advisor reserves it first: the unit shows reserved.
    lead_action(page, "#lead-reserve").click()
    # The offer's first unit is already chosen.
    expect(page.locator(f"#id_unit-option-{a1.pk}")).to_have_attribute("aria-selected", "true")
    page.locator("#reservation-form button[type=submit]").click()
    expect(page.locator("#lead-tab-panel")).to_contain_text("A1")
    page.goto(f"{live_server.url}/investments/{a1.investment_id}/")
    expect(page.get_by_role("row", name=re.compile(r"\bA1\b"))).to_contain_text("Zarezerwowane")

    # The teammate's reservation is refused with who holds the unit until when.
    rival_page.locator("#reservation-form button[type=submit]").click()
    until = formats.date_format(lead.reservations.get().reserved_until, "SHORT_DATE_FORMAT")
    expect(rival_page.locator("#reservation-form")).to_contain_text(
        f"Już zarezerwowany do {until} (rezerwujący: Anna Wiśniewska)."
    )
    rival.close()
    assert other.reservations.count() == 0

    # The contract: the lead is won and the unit sold.
    page.goto(lead_url)
    lead_action(page, "#lead-contract").click()
    page.locator("#id_kind").select_option("developer")
    page.locator("#id_number").fill("UD/2026/17")
    # The unit the lead has reserved is already chosen.
    expect(page.locator(f"#id_units-option-{a1.pk}")).to_have_attribute("aria-selected", "true")
    page.locator("#id_price").fill("415000")
    page.locator("#contract-form button[type=submit]").click()
    expect(page.locator(".lead-header__title")).to_contain_text("Umowa")
    lead.refresh_from_db()
    a1.refresh_from_db()
    assert lead.status.is_won and lead.closed_at is not None
    assert a1.status == UnitStatus.SOLD

    # A note with a PDF, then the PDF from Documents.
    page.goto(f"{lead_url}?tab=documents")
    page.locator("#id_note-text").fill("Skan umowy deweloperskiej")
    page.locator("#id_note-file").set_input_files(
        {"name": "umowa.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#note-form button[type=submit]").click()
    document = Document.objects.get(lead=lead)
    row = page.locator(f"#document-{document.pk}")
    expect(row).to_contain_text("umowa.pdf")
    with page.expect_download() as download_info:
        row.get_by_role("link", name="umowa.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "umowa.pdf"
    with open(download.path(), "rb") as downloaded:
        assert downloaded.read() == PDF

    # The meeting's reminder, sent by the worker when beat's sweep found it.
    (reminder,) = smtp_sink.wait_for(1, timeout=30)
    assert reminder.rcpt_tos == ["anna@lejek.test"]
    assert reminder.message["Subject"].strip().startswith("Przypomnienie: spotkanie")
    assert (
        f"{live_server.url}/leads/{lead.pk}/" in reminder.message.get_body(("plain",)).get_content()
    )
    assert Activity.objects.filter(lead=lead, done_at__isnull=True).count() == 1
    assert Lead.objects.get(pk=lead.pk).status.slug == "umowa"
