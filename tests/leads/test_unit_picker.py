"""The unit picker of the reservation and contract forms: an advisor sees the units of the
lead's investments as she knows them (number, rooms, area, floor, price, state), the
taken ones greyed out with the reason, and the form starts from what the lead already
agreed: the reserved unit, the accepted offer's units and price, the lead's clients."""

# The shared fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from investments.models import UnitKind
from leads.models import Contract, ContractKind, OfferChannel, OfferStatus, Reservation
from leads.services.offers import offer_create, offer_mark_sent, offer_set_status
from leads.services.sales import contract_create, reservation_create
from tests.factories import ClientFactory, InvestmentFactory, UnitFactory
from tests.leads.sales_fixtures import (  # noqa: F401  (fixtures)
    buyer,
    in_english,
    investment,
    lead,
    other_unit,
    rival_lead,
    unit,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def contract_url(lead) -> str:
    return reverse("leads:contract_create", args=[lead.pk])


def reservation_url(lead) -> str:
    return reverse("leads:reservation_create", args=[lead.pk])


def options(response, field: str) -> dict[str, dict]:
    """The picker's options as the page renders them: label -> whether it is disabled
    and its state (the empty "Choose a unit" left out)."""
    widget = response.context["form"][field]
    found = {}
    for option in widget.subwidgets:
        if option.data["value"] == "":
            continue
        attrs = option.data["attrs"]
        found[option.data["label"]] = {
            "disabled": bool(attrs.get("disabled")),
            "state": attrs.get("data-state"),
        }
    return found


def offer(lead, units, user, *, prices=None, client=None, answer=None):
    """An offer of `units` (at `prices`, else their list prices); sent and answered with
    `answer` (accepted or rejected) when given."""
    prices = prices or [unit.list_price for unit in units]
    made = offer_create(
        lead=lead,
        client=client,
        items=list(zip(units, prices, strict=True)),
        valid_until=today() + timedelta(days=14),
        channel="",
        notes="",
        user=user,
    )
    if answer:
        offer_mark_sent(offer=made, channel=OfferChannel.EMAIL, user=user)
        offer_set_status(offer=made, status=answer, user=user)
    return made


# -- What the picker lists ---------------------------------------------------------------------


def test_the_picker_lists_only_the_leads_investments_in_investment_and_number_order(
    web, lead, unit, other_unit
):
    brzozowa = InvestmentFactory(name="Brzozowa")
    lead.investments.add(brzozowa)
    b7 = UnitFactory(investment=brzozowa, number="B7")
    UnitFactory(investment=InvestmentFactory(name="Cicha"), number="C1")  # not the lead's

    page = web.get(contract_url(lead))

    titles = [label.split(" · ")[0] for label in options(page, "units")]
    assert titles == ["Akacjowa — A1", "Akacjowa — A2", "Brzozowa — B7"]
    assert set(page.context["form"].fields["units"].queryset) == {unit, other_unit, b7}


def test_each_unit_reads_with_its_rooms_area_floor_price_and_state(web, lead, unit):
    UnitFactory(
        investment=unit.investment,
        number="P01",
        kind=UnitKind.PARKING,
        rooms=None,
        area=Decimal("12.50"),
        floor=-1,
        list_price=Decimal("45000.00"),
    )
    UnitFactory(investment=unit.investment, number="U1", rooms=1, floor=0)

    page = web.get(reservation_url(lead))

    assert list(options(page, "unit")) == [
        "Akacjowa — A1 · 3 rooms · 54.30 m² · floor 2 · 512,000.00\xa0zł · free",
        "Akacjowa — P01 · Parking space · 12.50 m² · floor -1 · 45,000.00\xa0zł · free",
        "Akacjowa — U1 · 1 room · 54.30 m² · ground floor · 512,000.00\xa0zł · free",
    ]


def test_taken_units_are_greyed_out_with_who_holds_them(
    web, advisor, teammate, lead, rival_lead, unit, other_unit
):
    until = today() + timedelta(days=3)
    reservation_create(lead=rival_lead, unit=unit, user=teammate, reserved_until=until)
    sold = UnitFactory(investment=unit.investment, number="A3")
    contract_create(
        lead=rival_lead,
        kind=ContractKind.DEVELOPER,
        units=[sold],
        user=teammate,
        signed_at=today(),
        price=Decimal("400000"),
    )
    mine = UnitFactory(investment=unit.investment, number="A4")
    reservation_create(lead=lead, unit=mine, user=advisor)

    contract = options(web.get(contract_url(lead)), "units")
    reservation = options(web.get(reservation_url(lead)), "unit")

    taken = f"Akacjowa — A1 · 3 rooms · 54.30 m² · floor 2 · 512,000.00\xa0zł · reserved by Piotr Zieliński until {until:%d.%m.%Y}"  # noqa: E501
    assert contract[taken] == {"disabled": True, "state": "reserved"}
    assert [label for label, seen in contract.items() if not seen["disabled"]] == [
        "Akacjowa — A2 · 3 rooms · 54.30 m² · floor 2 · 430,000.00\xa0zł · free",
        "Akacjowa — A4 · 3 rooms · 54.30 m² · floor 2 · 512,000.00\xa0zł · reserved for this lead",
    ]
    assert {seen["state"] for label, seen in contract.items() if "A3" in label} == {"sold"}
    # A reservation may not take the lead's own reserved unit a second time.
    assert [
        label.split(" · ")[0] for label, seen in reservation.items() if not seen["disabled"]
    ] == ["Akacjowa — A2"]


def test_a_lead_without_investments_has_nothing_to_pick_and_says_so(web, lead, unit):
    lead.investments.clear()
    page = web.get(reservation_url(lead))
    assert options(page, "unit") == {}
    assert 'id="reservation-no-units"' in page.text
    page = web.get(contract_url(lead))
    assert options(page, "units") == {}
    assert 'id="contract-no-units"' in page.text


def test_the_picker_is_marked_for_its_script_and_loads_it(web, lead, unit):
    page = web.get(contract_url(lead))
    assert 'data-unit-picker=""' in page.text
    assert "js/unit_picker.js" in page.text
    assert 'data-search-placeholder="Search: number, investment, rooms…"' in page.text


# -- A taken unit posted anyway ------------------------------------------------------------


def test_a_sold_unit_posted_to_the_contract_is_refused_next_to_the_units(
    web, teammate, lead, rival_lead, unit, buyer
):
    contract_create(
        lead=rival_lead,
        kind=ContractKind.DEVELOPER,
        units=[unit],
        user=teammate,
        signed_at=today(),
        price=Decimal("400000"),
    )
    data = {
        "kind": ContractKind.DEVELOPER,
        "units": [unit.pk],
        "clients": [buyer.pk],
        "signed_at": today().isoformat(),
        "price": "500000",
    }

    response = web.post(contract_url(lead), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "units": [f"Akacjowa / A1: Already sold (contract {Contract.objects.get().pk})."]
    }
    assert Contract.objects.filter(lead=lead).count() == 0


def test_a_reserved_unit_posted_to_the_reservation_is_refused_next_to_the_unit(
    web, teammate, lead, rival_lead, unit
):
    until = today() + timedelta(days=2)
    reservation_create(lead=rival_lead, unit=unit, user=teammate, reserved_until=until)
    data = {"unit": unit.pk, "reserved_until": (today() + timedelta(days=5)).isoformat()}

    response = web.post(reservation_url(lead), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "unit": [f"Already reserved by Piotr Zieliński until {until:%d.%m.%Y}."]
    }
    assert 'class="field__error"' in response.text
    assert not Reservation.objects.filter(lead=lead).exists()


# -- What the forms start with ---------------------------------------------------------------


def test_the_contract_starts_with_the_reserved_unit_the_accepted_price_and_the_clients(
    web, advisor, lead, buyer, unit, other_unit
):
    second = ClientFactory(last_name="Abacka", branch=advisor.branch)
    lead.clients.add(second)
    offer(lead, [unit], advisor, prices=[Decimal("498000.00")], answer=OfferStatus.ACCEPTED)
    reservation_create(lead=lead, unit=unit, user=advisor)

    form = web.get(contract_url(lead)).context["form"]

    assert form["units"].value() == [unit.pk]
    assert form["price"].value() == Decimal("498000.00")
    assert set(form["clients"].value()) == {buyer.pk, second.pk}


def test_the_contract_takes_the_accepted_offers_free_units_at_their_offered_prices(
    web, advisor, lead, unit, other_unit
):
    offer(
        lead,
        [unit, other_unit],
        advisor,
        prices=[Decimal("500000"), Decimal("420000")],
        answer=OfferStatus.ACCEPTED,
    )

    form = web.get(contract_url(lead)).context["form"]

    assert form["units"].value() == [unit.pk, other_unit.pk]
    assert form["price"].value() == Decimal("920000")


def test_a_reserved_unit_outside_the_accepted_offer_leaves_the_price_to_the_advisor(
    web, advisor, lead, unit, other_unit
):
    offer(lead, [other_unit], advisor, answer=OfferStatus.ACCEPTED)
    reservation_create(lead=lead, unit=unit, user=advisor)

    form = web.get(contract_url(lead)).context["form"]

    assert form["units"].value() == [unit.pk, other_unit.pk]
    assert form["price"].value() is None


def test_an_offer_not_accepted_prefills_no_contract(web, advisor, lead, unit):
    offer(lead, [unit], advisor, answer=OfferStatus.REJECTED)
    form = web.get(contract_url(lead)).context["form"]
    assert form["units"].value() == []
    assert form["price"].value() is None


def test_the_reservation_starts_with_the_accepted_offers_unit_and_client(
    web, advisor, lead, buyer, unit, other_unit
):
    second = ClientFactory(last_name="Abacka", branch=advisor.branch)
    lead.clients.add(second)
    offer(lead, [other_unit], advisor, client=buyer, answer=OfferStatus.ACCEPTED)
    offer(lead, [unit], advisor)  # a later draft: the accepted offer still leads

    form = web.get(reservation_url(lead)).context["form"]

    assert form["unit"].value() == other_unit.pk
    assert form["client"].value() == buyer.pk  # not Abacka, first by name


def test_without_an_accepted_offer_the_latest_one_not_rejected_is_followed(
    web, advisor, lead, unit, other_unit
):
    offer(lead, [unit], advisor)
    offer(lead, [other_unit], advisor, answer=OfferStatus.REJECTED)
    form = web.get(reservation_url(lead)).context["form"]
    assert form["unit"].value() == unit.pk


def test_an_offered_unit_taken_meanwhile_is_not_preselected(
    web, advisor, teammate, lead, rival_lead, unit, other_unit
):
    offer(lead, [unit, other_unit], advisor)
    reservation_create(lead=rival_lead, unit=unit, user=teammate)
    form = web.get(reservation_url(lead)).context["form"]
    assert form["unit"].value() == other_unit.pk


def test_without_an_offer_no_unit_is_preselected(web, lead, buyer, unit):
    form = web.get(reservation_url(lead)).context["form"]
    assert form["unit"].value() is None
    assert form["client"].value() == buyer.pk


# -- Access and cost -----------------------------------------------------------------------------


def test_outsider_gets_404_on_both_forms(client, outsider, lead, unit):
    client.force_login(outsider)
    assert client.get(contract_url(lead)).status_code == 404
    assert client.get(reservation_url(lead)).status_code == 404


def test_another_advisors_lead_is_not_open_to_the_advisor(web, teammate, rival_lead, unit):
    assert web.get(contract_url(rival_lead)).status_code == 404
    assert web.get(reservation_url(rival_lead)).status_code == 404


# session, user, lead, the offer and its items, the preselected units, the clients (the
# initial), the choosable units, the units with their holds, the clients (the options);
# the reservation also reads the settings (its default end date).
QUERIES = {contract_url: 10, reservation_url: 11}


@pytest.mark.parametrize("url", [contract_url, reservation_url])
def test_the_form_pages_query_count_does_not_grow_with_the_units(
    web, advisor, teammate, lead, rival_lead, unit, url, django_assert_num_queries
):
    offer(lead, [unit], advisor, answer=OfferStatus.ACCEPTED)
    web.get(url(lead))  # warm the caches (settings, permissions)
    with django_assert_num_queries(QUERIES[url]):
        web.get(url(lead))

    for number in range(8):
        taken = UnitFactory(investment=unit.investment, number=f"Z{number}")
        if number % 2:
            reservation_create(lead=rival_lead, unit=taken, user=teammate)
    with django_assert_num_queries(QUERIES[url]):
        response = web.get(url(lead))
    assert len(options(response, "units" if url is contract_url else "unit")) == 9
