"""An advisor works one lead from its page in a real browser: moves it to Oferta, closes it
as a failure through the dialog with the keyboard only, reads both in History, reopens it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leads.models import Activity, ActivityKind, Lead, LeadStatus
from tests.browser.lead_actions import lead_action
from tests.factories import ClientFactory, ContractorFactory, InvestmentFactory, LeadFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def lead(advisor, teammate):
    elzbieta = ClientFactory(
        first_name="Elżbieta",
        last_name="Turza",
        phone="600 100 200",
        branch=advisor.branch,
        caretaker=advisor,
    )
    lead = LeadFactory(
        name="Kawalerka na Akacjowej",
        branch=advisor.branch,
        employees=[advisor],
        clients=[elzbieta],
        created_by=advisor,
        updated_by=advisor,
        created_at=timezone.now() - timedelta(days=117, minutes=10),
    )
    lead.investments.add(InvestmentFactory(name="Akacjowa"))
    lead.contractors.add(ContractorFactory(name="Budex sp. z o.o.", branch=advisor.branch))
    Activity.objects.create(
        lead=lead,
        employee=advisor,
        kind=ActivityKind.PHONE,
        done_at=timezone.now() - timedelta(days=2),
    )
    return lead


def test_advisor_moves_fails_and_reactivates_a_lead_and_reads_it_in_history(
    page, live_server, log_in, advisor, lead
):
    log_in("doradca")
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.locator("h1")).to_have_text("Kawalerka na Akacjowej")
    expect(page.locator("#lead-handling-time")).to_have_text("117d 0h")
    expect(page.locator("#lead-no-next-step")).to_be_visible()
    expect(page.locator("#lead-clients")).to_contain_text("Turza")

    # Change the status.
    lead_action(page, "#lead-status-form select").select_option(label="Oferta")
    lead_action(page, "#lead-status-form button").click()
    expect(page.locator(".message--success")).to_contain_text("Oferta")
    expect(page.locator(".lead-header__title .badge")).to_have_text("Oferta")

    # Mark as failure with the keyboard: first without a reason (refused), then with one.
    page.locator("#lead-more-toggle").focus()  # the "More" menu, opened with Enter
    page.keyboard.press("Enter")
    page.locator("#lead-fail-open").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#lead-fail-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("select")).to_be_focused()
    dialog.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")

    dialog = page.locator("#lead-fail-dialog")
    expect(dialog).to_be_visible()  # back, modal, with the error next to the reason
    expect(dialog.locator(".field--error .field__error")).to_be_visible()
    assert page.evaluate("document.querySelector('#lead-fail-dialog').matches(':modal')")
    dialog.locator("select").focus()
    page.keyboard.type("Cena")
    expect(dialog.locator("select option:checked")).to_have_text("Cena")
    page.keyboard.press("Tab")
    expect(dialog.locator("textarea")).to_be_focused()
    page.keyboard.type("Za drogo o 40 tys.")
    page.keyboard.press("Tab")
    expect(dialog.locator("button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#lead-failed")).to_be_visible()
    expect(page.locator("#lead-failure")).to_contain_text("Cena")
    expect(page.locator("#lead-failure")).to_contain_text("Za drogo o 40 tys.")
    expect(page.locator("#lead-fail-open")).to_have_count(0)
    stored = Lead.objects.get(pk=lead.pk)
    assert stored.failure_reason.name == "Cena"

    # Both changes in History, loaded into the tab by htmx.
    page.locator("#lead-tab-history").click()
    expect(page).to_have_url(re.compile(r"\?tab=history$"))
    history = page.locator("#lead-history")
    expect(history).to_be_visible()
    entries = history.locator(".history__entry")
    expect(entries.nth(0)).to_contain_text("Cena")
    expect(entries.nth(0)).to_contain_text("Za drogo o 40 tys.")
    expect(entries.nth(0)).to_contain_text("Anna Wiśniewska")
    expect(entries.nth(1)).to_contain_text("Nowy → Oferta")
    expect(page.locator("#lead-tab-history")).to_have_attribute("aria-current", "page")

    # Reactivate, confirming the question.
    page.once("dialog", lambda question: question.accept())
    lead_action(page, "#lead-reactivate-form button").click()
    expect(page.locator(".message--success")).to_be_visible()
    expect(page.locator("#lead-failed")).to_have_count(0)
    expect(lead_action(page, "#lead-fail-open")).to_be_visible()
    page.keyboard.press("Escape")  # closes "More" again
    assert not Lead.objects.get(pk=lead.pk).is_failed

    page.locator("#lead-tab-history").click()
    expect(page.locator("#lead-history .history__entry").first).to_contain_text("Cena →")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lead-detail.png"), full_page=True)


def test_more_opens_and_closes_with_the_keyboard(page, live_server, log_in, advisor, lead):
    log_in("doradca")
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    page.locator("#lead-more-toggle").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#lead-edit")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#lead-edit")).to_be_hidden()
    expect(page.locator("#lead-more-toggle")).to_be_focused()


def test_tabs_work_without_javascript(browser, live_server, advisor, lead):
    context = browser.new_context(java_script_enabled=False, locale="pl-PL")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Nazwa użytkownika").fill("doradca")
    page.get_by_label("Hasło").fill("haslo-testowe-123")
    page.get_by_role("button", name="Zaloguj się").click()

    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    page.locator("#lead-tab-contractors").click()
    expect(page).to_have_url(re.compile(r"\?tab=contractors$"))
    expect(page.locator("#lead-contractors")).to_contain_text("Budex sp. z o.o.")

    # The failure dialog opens by its link as part of the page.
    lead_action(page, "#lead-fail-open").click()  # "More" opens without JavaScript too
    expect(page.locator("#lead-fail-dialog")).to_be_visible()
    context.close()


def test_another_advisor_gets_not_found(page, live_server, log_in, teammate, lead):
    log_in("kolega")
    response = page.goto(f"{live_server.url}/leads/{lead.pk}/?tab=history")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Kawalerka na Akacjowej")


def test_advisor_archives_a_won_lead_from_more_and_brings_it_back(
    page, live_server, log_in, advisor, lead
):
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.objects.get(slug="umowa"))
    log_in("doradca")
    page.goto(f"{live_server.url}/leads/{lead.pk}/")

    # Archive sits in "More" and asks first.
    page.once("dialog", lambda question: question.accept())
    lead_action(page, "#lead-archive-form button").click()

    expect(page.locator("#lead-archive-notice")).to_contain_text("Anna Wiśniewska")
    expect(page.locator("#lead-archived")).to_be_visible()
    assert Lead.objects.get(pk=lead.pk).archived_by == advisor

    # Unarchive is the page's main button now.
    page.locator("#lead-unarchive-form button").click()
    expect(page.locator(".message--success")).to_be_visible()
    expect(page.locator("#lead-archive-notice")).to_have_count(0)
    assert not Lead.objects.get(pk=lead.pk).is_archived
