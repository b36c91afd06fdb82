"""The lead workspace's story, end to end in a real browser: an advisor creates a lead with
a new client, finds it by the phone written another way, drags it on the kanban to Oferta,
marks it failed with a reason, sees both changes in History, reactivates it, exports the
list and reads the row back; another advisor gets 404 on it."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from leads.models import Lead
from tests.browser.lead_actions import lead_action
from tests.factories import InvestmentFactory, LeadFactory, status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_advisor_works_a_lead_from_creation_to_export(
    page, live_server, log_in, advisor, teammate, tmp_path
):
    InvestmentFactory(name="Akacjowa")
    LeadFactory(name="Inna sprawa", branch=advisor.branch, employees=[advisor])
    log_in("doradca")

    # Create the lead with a new client added through the dialog.
    page.goto(f"{live_server.url}/leads/new/")
    page.locator("#add-client").click()
    page.locator("#client_first_name").fill("Renata")
    page.locator("#client_last_name").fill("Rosiak")
    page.locator("#client_phone").fill("601 202 303")
    dialog = page.locator("#client-dialog")
    dialog.locator('button[type="submit"]').click()
    expect(dialog).to_be_hidden()
    page.locator("#id_name").fill("Mieszkanie dla Rosiaków")
    page.get_by_label("Akacjowa").check()
    page.locator('#lead-form button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/leads/\d+/$"))
    lead = Lead.objects.get(name="Mieszkanie dla Rosiaków")

    # Find it in the list by the phone written another way.
    page.goto(f"{live_server.url}/leads/")
    search = page.locator("#id_q")
    search.fill("0048 601-202-303")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"q=0048"))  # the search lives in the URL
    row = page.get_by_role("row", name=re.compile("Mieszkanie dla Rosiaków"))
    expect(row).to_be_visible()
    expect(row).to_contain_text("Renata Rosiak")
    expect(page.locator("#lead-table")).not_to_contain_text("Inna sprawa")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lead-list.png"), full_page=True)

    # Drag it on the kanban from Nowy to Oferta.
    page.goto(f"{live_server.url}/leads/kanban/")
    card = page.locator(f"#kanban-card-{lead.pk}")
    offer_column = page.locator(f"#kanban-column-{status('oferta').pk}")
    card.drag_to(offer_column.locator("[data-cards]"))
    expect(offer_column.locator(f"#kanban-card-{lead.pk}")).to_be_visible()
    expect(page.locator("#kanban-message")).to_contain_text("Oferta")

    # Mark it failed with a reason on its page.
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.locator(".lead-header__title .badge")).to_have_text("Oferta")
    lead_action(page, "#lead-fail-open").click()
    fail_dialog = page.locator("#lead-fail-dialog")
    fail_dialog.locator("select").select_option(label="Cena")
    fail_dialog.locator("textarea").fill("Za drogo")
    fail_dialog.locator("button[type=submit]").click()
    expect(page.locator("#lead-failure")).to_contain_text("Cena")

    # Both changes are in History, newest first.
    page.locator("#lead-tab-history").click()
    entries = page.locator("#lead-history .history__entry")
    expect(entries.nth(0)).to_contain_text("Cena")
    expect(entries.nth(1)).to_contain_text("Nowy → Oferta")

    # Reactivate it.
    page.once("dialog", lambda question: question.accept())
    lead_action(page, "#lead-reactivate-form button").click()
    expect(page.locator("#lead-failed")).to_have_count(0)

    # Export the list and read the row back.
    page.goto(f"{live_server.url}/leads/")
    with page.expect_download() as download_info:
        page.locator("#lead-export button").click()  # a form that POSTs
    path = tmp_path / "leady.xlsx"
    download_info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == {"Mieszkanie dla Rosiaków", "Inna sprawa"}
    exported = next(row for row in rows[1:] if row[0] == "Mieszkanie dla Rosiaków")
    assert "Oferta" in exported and "Renata Rosiak" in exported

    # Another advisor of the same branch does not get to see it.
    page.context.clear_cookies()
    log_in("kolega")
    response = page.goto(f"{live_server.url}/leads/{lead.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Mieszkanie dla Rosiaków")
