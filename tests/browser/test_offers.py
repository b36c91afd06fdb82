"""In a real browser: an advisor picks two units of the lead's investment, gives one a
discount (seen at once), filters the picker without losing what was typed, creates the
offer, and prints it (the print button calls the browser's print; printing hides it)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from investments.models import UnitStatus
from leads.models import Offer
from tests.browser.lead_actions import lead_action
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, UnitFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def story(advisor):
    akacjowa = InvestmentFactory(name="Akacjowa")
    units = {
        number: UnitFactory(
            investment=akacjowa, number=number, list_price=Decimal(price), status=state
        )
        for number, price, state in [
            ("A1", "420000.00", UnitStatus.AVAILABLE),
            ("A2", "610000.00", UnitStatus.AVAILABLE),
            ("A3", "640000.00", UnitStatus.RESERVED),
        ]
    }
    buyer = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=advisor.branch)
    lead = LeadFactory(
        name="Mieszkanie na Akacjowej", branch=advisor.branch, employees=[advisor], clients=[buyer]
    )
    lead.investments.add(akacjowa)
    return lead, units


def test_advisor_picks_units_discounts_one_creates_and_prints_the_offer(
    logged_in_page, live_server, advisor, story
):
    lead, units = story
    a1, a2, a3 = units["A1"], units["A2"], units["A3"]
    page = logged_in_page(advisor)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    lead_action(page, "#lead-offer-create").click()
    expect(page).to_have_url(re.compile(rf"/leads/{lead.pk}/offers/new/$"))

    # Tick two available units and add them to the offer.
    page.locator(f"#offer-unit-{a1.pk}-pick").check()
    page.locator(f"#offer-unit-{a2.pk}-pick").check()
    page.locator("#offer-units-add").click()
    expect(page.locator(f"#offer-chosen-{a1.pk}")).to_be_visible()
    expect(page.locator(f"#offer-chosen-{a2.pk}")).to_be_visible()
    expect(page.locator(f"#offer-unit-{a1.pk}")).to_have_count(0)  # no longer in the list

    # A discount on A2, shown as it is typed (Polish number format).
    price = page.locator(f"input[name='price_{a2.pk}']")
    expect(price).to_have_value("610000.00")
    price.fill("600000")
    expect(page.locator(f"#offer-discount-{a2.pk}")).to_contain_text("10")
    expect(page.locator(f"#offer-discount-{a2.pk}")).to_contain_text("(1,6%)")
    page.locator("#id_notes").fill("Rabat za szybką decyzję")

    # Filtering the picker keeps the chosen units, the typed price and the notes.
    page.locator("#id_availability").select_option("reserved")
    page.locator("#offer-unit-picker button[type=submit]").first.click()
    expect(page.locator(f"#offer-unit-{a3.pk}")).to_be_visible()
    expect(page.locator(f"input[name='price_{a2.pk}']")).to_have_value("600000")
    expect(page.locator("#id_notes")).to_have_value("Rabat za szybką decyzję")
    assert "csrfmiddlewaretoken" not in page.url

    page.locator("#offer-create").click()
    expect(page).to_have_url(re.compile(rf"/leads/{lead.pk}/\?suggest=oferta$"))
    offer = Offer.objects.get(lead=lead)
    prices = {item.unit.number: item.price for item in offer.items.all()}
    assert prices == {"A1": Decimal("420000.00"), "A2": Decimal("600000.00")}
    assert offer.notes == "Rabat za szybką decyzję"

    # The printable page: its button prints; printed, the tools are gone.
    page.add_init_script("window.print = function () { window.__printed = true; };")
    page.goto(f"{live_server.url}{offer.get_absolute_url()}")
    expect(page.locator("#offer-units")).to_contain_text("A2")
    page.locator("#offer-print-button").click()
    assert page.evaluate("window.__printed === true")
    expect(page.locator("#offer-print-tools")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#offer-print-tools")).to_be_hidden()
