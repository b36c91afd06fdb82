"""An advisor adds a client with the keyboard alone, in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from clients.models import Client
from tests.factories import ClientFactory, LeadFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def test_advisor_adds_a_client_with_the_keyboard_and_fixes_a_bad_pesel(
    page, live_server, log_in, advisor
):
    log_in("doradca")
    page.goto(f"{live_server.url}/clients/")
    page.locator("#client-new").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/clients/new/$"))

    # The first field has the focus; Tab walks the form in reading order.
    expect(page.locator("#id_kind")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#id_company_name")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("Elżbieta")
    page.keyboard.press("Tab")
    page.keyboard.type("Turza")
    page.keyboard.press("Tab")
    expect(page.locator("#id_email")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("600-100-200")
    page.keyboard.press("Tab")
    expect(page.locator("#id_pesel")).to_be_focused()
    page.keyboard.type("44051401358")  # the last digit breaks the checksum
    page.keyboard.press("Enter")

    # Back on the form: the error sits next to PESEL, which has the focus again.
    pesel_field = page.locator(".field", has=page.locator("#id_pesel"))
    expect(pesel_field.get_by_role("alert")).to_contain_text("44051401358")
    expect(page.locator("#id_pesel")).to_be_focused()
    expect(page.locator("#id_first_name")).to_have_value("Elżbieta")
    assert not Client.objects.exists()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "client-form-errors.png"), full_page=True)

    page.keyboard.press("Control+A")
    page.keyboard.type("44051401359")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    client = Client.objects.get()
    assert page.url == f"{live_server.url}/clients/{client.pk}/"
    expect(page.locator("h1")).to_have_text("Elżbieta Turza")
    expect(page.locator("main")).to_contain_text("44051401359")
    expect(page.locator("main")).to_contain_text(str(advisor))
    assert client.caretaker == advisor and client.phone_e164 == "+48600100200"
    # The related leads arrive from the leads app; a new client has none.
    expect(page.locator("#client-leads-body .empty")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "client-detail.png"), full_page=True)


def test_advisor_finds_a_client_by_phone_and_sees_its_leads(page, live_server, log_in, advisor):
    elzbieta = ClientFactory(
        first_name="Elżbieta",
        last_name="Turza",
        phone="600 100 200",
        caretaker=advisor,
        branch=advisor.branch,
    )
    LeadFactory(
        name="Kawalerka na Akacjowej",
        branch=advisor.branch,
        employees=[advisor],
        clients=[elzbieta],
    )
    ClientFactory(last_name="Kowalczyk", caretaker=advisor, branch=advisor.branch)
    log_in("doradca")
    page.goto(f"{live_server.url}/clients/")
    page.locator("#id_q").fill("0048 600 100 200")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=0048"))
    rows = page.locator("#client-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Turza")
    page.screenshot(path=str(SCREENSHOTS / "client-list.png"), full_page=True)
    rows.first.get_by_role("link", name="Turza").click()
    page.wait_for_url(f"{live_server.url}/clients/{elzbieta.pk}/")
    expect(page.locator("#client-leads-body")).to_contain_text("Kawalerka na Akacjowej")
    # Back to the search result, then back to the whole list: the state is in the URL.
    page.go_back()
    expect(page.locator("#id_q")).to_have_value("0048 600 100 200")
    expect(page.locator("#client-table tbody tr")).to_have_count(1)
    page.go_back()
    expect(page.locator("#client-table tbody tr")).to_have_count(2)
