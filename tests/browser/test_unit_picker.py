"""The unit picker in Chromium: an advisor narrows the units by typing, picks one with the
keyboard and signs the contract (the reserved unit already chosen, the accepted offer's
price filled in); on a phone she reserves a unit the same way, and a taken unit stays out
of reach; without scripts the plain list still does the job."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone
from playwright.sync_api import expect

from leads.models import Contract, OfferChannel, OfferStatus, Reservation
from leads.services.offers import offer_create, offer_mark_sent, offer_set_status
from leads.services.sales import reservation_create
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, UnitFactory, status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def story(advisor, teammate):
    """Elżbieta Turza's lead on Akacjowa and Brzozowa; A1 reserved by a teammate's lead."""
    akacjowa = InvestmentFactory(name="Akacjowa")
    brzozowa = InvestmentFactory(name="Brzozowa")
    units = {
        number: UnitFactory(investment=investment, number=number, list_price=Decimal(price))
        for investment, number, price in [
            (akacjowa, "A1", "480000.00"),
            (akacjowa, "A2", "512000.00"),
            (akacjowa, "P01", "45000.00"),
            (brzozowa, "B1", "390000.00"),
            (brzozowa, "B2", "410000.00"),
        ]
    }
    turza = ClientFactory(
        first_name="Elżbieta", last_name="Turza", branch=advisor.branch, caretaker=advisor
    )
    lead = LeadFactory(
        name="Mieszkanie dla Turzów",
        status=status("negocjacje"),
        branch=advisor.branch,
        employees=[advisor],
        clients=[turza],
    )
    lead.investments.add(akacjowa, brzozowa)
    rival = LeadFactory(
        name="Dwa pokoje",
        status=status("lead-aktywny"),
        branch=teammate.branch,
        employees=[teammate],
        clients=[ClientFactory(last_name="Konkurent", branch=teammate.branch)],
    )
    rival.investments.add(akacjowa)
    reservation_create(lead=rival, unit=units["A1"], user=teammate)
    return lead, units


@pytest.fixture
def violations(page):
    """What the browser reports against the Content Security Policy the live server
    sends (the production one): the picker's script and styles come from files only."""
    found: list[str] = []
    page.expose_function("reportCspViolation", lambda text: found.append(text))
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", function (event) {
             window.reportCspViolation(event.violatedDirective + " " + event.blockedURI);
           });"""
    )
    return found


def option(page, field: str, unit):
    return page.locator(f"#id_{field}-option-{unit.pk}")


def test_advisor_types_picks_with_the_keyboard_and_signs_the_contract(
    logged_in_page, live_server, advisor, story
):
    lead, units = story
    reservation_create(lead=lead, unit=units["A2"], user=advisor)
    accepted = offer_create(
        lead=lead,
        client=None,
        items=[(units["A2"], Decimal("500000.00")), (units["P01"], Decimal("40000.00"))],
        valid_until=timezone.localdate() + timedelta(days=14),
        channel="",
        notes="",
        user=advisor,
    )
    offer_mark_sent(offer=accepted, channel=OfferChannel.EMAIL, user=advisor)
    offer_set_status(offer=accepted, status=OfferStatus.ACCEPTED, user=advisor)
    page = logged_in_page(advisor)
    page.goto(f"{live_server.url}/leads/{lead.pk}/contracts/new/")

    # What the lead agreed is already there: its reserved A2 and the offered parking
    # space at the offer's prices, and its client.
    expect(option(page, "units", units["A2"])).to_have_attribute("aria-selected", "true")
    expect(option(page, "units", units["P01"])).to_have_attribute("aria-selected", "true")
    expect(page.locator("#id_price")).to_have_value("540000.00")
    expect(page.locator("#id_units")).to_be_hidden()
    # The teammate's A1 is listed with the reason, and cannot be chosen.
    taken = option(page, "units", units["A1"])
    expect(taken).to_have_attribute("aria-disabled", "true")
    expect(taken).to_contain_text("Piotr Zieliński")
    taken.click(force=True)  # a tap on it anyway
    expect(taken).to_have_attribute("aria-selected", "false")

    # She adds B2 of Brzozowa: types, goes down into the list, takes the second match.
    search = page.get_by_role("searchbox", name="Lokale")
    search.fill("brzoz")
    expect(page.locator("#id_units-list [role='option']:visible")).to_have_count(2)
    expect(option(page, "units", units["A2"])).to_be_hidden()
    search.press("ArrowDown")
    expect(page.get_by_role("listbox", name="Lokale")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(option(page, "units", units["B2"])).to_have_attribute("aria-selected", "true")
    expect(option(page, "units", units["B1"])).to_have_attribute("aria-selected", "false")
    expect(page.locator("#id_units-chosen")).to_contain_text("Brzozowa — B2")
    # Typing in the list goes on in the box; Enter there takes the first match.
    page.keyboard.type("b1")
    expect(search).to_be_focused()
    search.fill("b1")
    search.press("Enter")
    expect(option(page, "units", units["B1"])).to_have_attribute("aria-selected", "true")
    # ...and does not send the form.
    assert not Contract.objects.exists()

    page.get_by_label("Cena (PLN)").fill("1330000")
    page.get_by_role("button", name="Zapisz umowę").click()

    expect(page.locator(".lead-header")).to_contain_text("Umowa")
    contract = Contract.objects.get()
    assert {unit.number for unit in contract.units.all()} == {"A2", "P01", "B1", "B2"}
    assert contract.price == Decimal("1330000")


def test_on_a_phone_she_finds_and_reserves_a_unit_by_thumb_and_keyboard(
    logged_in_page, live_server, advisor, story, violations
):
    lead, units = story
    page = logged_in_page(advisor)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/leads/{lead.pk}/reservations/new/")

    # Sent without a unit: the reason stands under the box, which has the focus.
    page.get_by_role("button", name="Zarezerwuj").click()
    search = page.get_by_role("searchbox", name="Lokal")
    expect(search).to_be_focused()
    expect(page.locator("#id_unit-search + .field__error")).to_have_text(
        "Wybierz lokal do zarezerwowania."
    )
    expect(search).to_have_attribute("aria-invalid", "true")
    page.keyboard.type("Akacjowa P0")
    expect(page.locator("#id_unit-list [role='option']:visible")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(option(page, "unit", units["P01"])).to_have_attribute("aria-selected", "true")
    # A second choice replaces the first (a reservation holds one unit).
    search.fill("")
    option(page, "unit", units["B1"]).click()
    expect(option(page, "unit", units["B1"])).to_have_attribute("aria-selected", "true")
    expect(option(page, "unit", units["P01"])).to_have_attribute("aria-selected", "false")

    # Thumb-sized rows, and nothing wider than the phone.
    box = option(page, "unit", units["B1"]).bounding_box()
    assert box is not None and box["height"] >= 44
    assert page.locator("#id_unit-search").bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="Zarezerwuj").click()

    expect(page.locator("#lead-tab-panel")).to_contain_text("B1")
    assert Reservation.objects.get(lead=lead).unit == units["B1"]
    assert violations == []


def test_without_scripts_the_plain_list_reserves_the_unit(browser, live_server, advisor, story):
    lead, units = story
    http = HttpClient()
    http.force_login(advisor)
    context = browser.new_context(java_script_enabled=False, locale="pl-PL")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": http.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/leads/{lead.pk}/reservations/new/")

    expect(page.locator("#id_unit-search")).to_have_count(0)
    expect(page.locator(f"#id_unit option[value='{units['A1'].pk}']")).to_be_disabled()
    page.get_by_label("Lokal").select_option(str(units["A2"].pk))
    page.get_by_role("button", name="Zarezerwuj").click()

    expect(page).to_have_url(re.compile(rf"/leads/{lead.pk}/\?tab=offers"))
    assert Reservation.objects.get(lead=lead).unit == units["A2"]
    context.close()
