"""An advisor's first minute in Lejek, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import ClientFactory, LeadFactory, status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_advisor_logs_in_with_the_keyboard_and_opens_a_lead(page, live_server, log_in, advisor):
    elzbieta = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=advisor.branch)
    LeadFactory(
        name="Kawalerka",
        status=status("oferta"),
        branch=advisor.branch,
        employees=[advisor],
        clients=[elzbieta],
    )

    log_in("doradca")

    expect(page.locator("h1")).to_contain_text("Anna")
    menu = page.get_by_role("navigation", name="Menu główne")
    expect(menu.get_by_role("link", name="Leady")).to_be_visible()
    expect(menu.get_by_role("link", name="Kontrahenci")).to_be_visible()
    expect(menu.get_by_role("link", name="Administracja")).to_have_count(0)

    menu.get_by_role("link", name="Leady").click()
    row = page.get_by_role("row", name="Kawalerka")
    expect(row).to_contain_text("Elżbieta Turza")
    expect(row).to_contain_text("Oferta")

    # The row leads with the client (the lead's own name follows it).
    row.get_by_role("link", name="Elżbieta Turza").click()
    expect(page.locator("h1")).to_contain_text("Kawalerka")
    expect(page.locator("main")).to_contain_text("0d 0h")


def test_wrong_password_shows_an_error_and_stays_on_login(page, live_server, advisor):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Nazwa użytkownika").fill("doradca")
    page.get_by_label("Hasło").fill("nie-to-haslo")
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.url.endswith("/login/")


def test_outsider_guessing_a_lead_url_gets_not_found(page, live_server, log_in, advisor, outsider):
    lead = LeadFactory(name="Cudza sprawa", branch=advisor.branch, employees=[advisor])
    log_in("obcy")
    response = page.goto(f"{live_server.url}/leads/{lead.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Cudza sprawa")
