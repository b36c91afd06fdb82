"""Contracts: an advisor records a signed contract (the units sold, the lead won), a manager
cancels one (the units free again, the lead back to where it was), all in history."""

# The shared fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from investments.models import UnitStatus
from leads.models import (
    Contract,
    ContractKind,
    FailureReason,
    ReservationStatus,
    UnitHold,
)
from leads.services.pipeline import lead_change_status, lead_mark_failed
from leads.services.sales import (
    contract_cancel,
    contract_create,
    reservation_cancel,
    reservation_create,
)
from tests.factories import InvestmentFactory, UnitFactory, status
from tests.leads.sales_fixtures import (  # noqa: F401  (fixtures)
    buyer,
    in_english,
    investment,
    lead,
    messages_of,
    other_unit,
    rival_lead,
    set_manual_status_changes,
    tab_url,
    unit,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def sign(lead, units, user, **kwargs):
    kwargs.setdefault("kind", ContractKind.DEVELOPER)
    kwargs.setdefault("signed_at", today())
    kwargs.setdefault("price", Decimal("500000.00"))
    return contract_create(lead=lead, units=units, user=user, **kwargs)


def create_url(lead) -> str:
    return reverse("leads:contract_create", args=[lead.pk])


def cancel_url(contract) -> str:
    return reverse("leads:contract_cancel", args=[contract.lead_id, contract.pk])


def form_data(units, *, clients=(), price="500000.00", signed=None, kind="developer") -> dict:
    return {
        "kind": kind,
        "number": "UD/1/2026",
        "units": [unit.pk for unit in units],
        "clients": [client.pk for client in clients],
        "signed_at": (signed or today()).isoformat(),
        "price": price,
    }


# -- Signing ---------------------------------------------------------------------------------


def test_a_contract_sells_its_units_and_wins_the_lead(advisor, lead, buyer, unit, other_unit):
    contract = sign(lead, [unit, other_unit], advisor, clients=[buyer], number=" UD/1 ")

    lead.refresh_from_db()
    assert lead.status.slug == "umowa"
    assert lead.closed_at is not None
    assert lead.history.latest().history_user == advisor
    assert contract.number == "UD/1"
    assert set(contract.units.all()) == {unit, other_unit}
    assert list(contract.clients.all()) == [buyer]
    for sold in (unit, other_unit):
        sold.refresh_from_db()
        assert sold.status == UnitStatus.SOLD
        assert sold.history.latest().history_user == advisor
        assert UnitHold.objects.get(unit=sold).contract == contract
    assert contract.history.exists()
    # The kanban's copy of the status follows.
    assert lead.board_entries.get().status_id == lead.status_id


def test_the_lead_is_won_even_when_manual_status_changes_are_off(advisor, lead, unit):
    set_manual_status_changes(False)
    sign(lead, [unit], advisor)
    lead.refresh_from_db()
    assert lead.status.is_won


def test_a_unit_reserved_by_the_same_lead_passes_to_the_contract(advisor, lead, unit):
    reservation = reservation_create(lead=lead, unit=unit, user=advisor)

    contract = sign(lead, [unit], advisor)

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONVERTED
    assert reservation.ended_at is not None
    hold = UnitHold.objects.get(unit=unit)
    assert (hold.reservation, hold.contract) == (None, contract)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.SOLD


def test_a_unit_reserved_by_another_lead_is_refused(advisor, teammate, lead, rival_lead, unit):
    until = today() + timedelta(days=4)
    reservation_create(lead=rival_lead, unit=unit, user=teammate, reserved_until=until)

    with pytest.raises(ValidationError) as refused:
        sign(lead, [unit], advisor)

    assert refused.value.message_dict == {
        "units": [f"Akacjowa / A1: Already reserved by Piotr Zieliński until {until:%d.%m.%Y}."]
    }
    assert not Contract.objects.exists()
    lead.refresh_from_db()
    assert not lead.status.is_won


def test_a_sold_unit_cannot_be_sold_again(advisor, teammate, lead, rival_lead, unit):
    sign(lead, [unit], advisor, number="UD/9")
    with pytest.raises(ValidationError) as refused:
        sign(rival_lead, [unit], teammate)
    assert refused.value.message_dict == {"units": ["Akacjowa / A1: Already sold (contract UD/9)."]}


@pytest.mark.parametrize("price", [Decimal("0"), Decimal("-1"), None])
def test_a_price_of_zero_or_less_is_refused(advisor, lead, unit, price):
    with pytest.raises(ValidationError) as refused:
        sign(lead, [unit], advisor, price=price)
    assert refused.value.message_dict == {"price": ["The price must be greater than zero."]}
    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE


def test_bad_contract_input_is_refused_field_by_field(advisor, lead, rival_lead):
    elsewhere = UnitFactory(investment=InvestmentFactory(name="Brzozowa"))
    with pytest.raises(ValidationError) as refused:
        sign(
            lead,
            [elsewhere],
            advisor,
            clients=[rival_lead.clients.get()],
            signed_at=today() + timedelta(days=1),
        )
    assert refused.value.message_dict == {
        "units": ["Every unit must be in one of the lead's investments."],
        "clients": ["Every client must be on the lead."],
        "signed_at": ["The signing date cannot be in the future."],
    }
    with pytest.raises(ValidationError, match="Choose at least one unit."):
        sign(lead, [], advisor)


def test_a_failed_lead_takes_no_contract(advisor, lead, unit):
    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    with pytest.raises(ValidationError, match="marked as a failure"):
        sign(lead, [unit], advisor)


def test_a_won_lead_may_sign_another_contract(advisor, lead, unit, other_unit):
    sign(lead, [unit], advisor)
    sign(lead, [other_unit], advisor, kind=ContractKind.FINAL)
    assert Contract.objects.filter(lead=lead).count() == 2


def test_the_database_refuses_a_contract_hold_on_a_reserved_unit(advisor, lead, unit):
    reservation_create(lead=lead, unit=unit, user=advisor)
    contract = Contract.objects.create(
        lead=lead, kind=ContractKind.FINAL, signed_at=today(), price=Decimal("1")
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitHold.objects.create(unit=unit, contract=contract)


# -- Cancelling --------------------------------------------------------------------------------


def test_cancelling_frees_the_units_and_returns_the_lead_to_its_status_before(
    advisor, manager, lead, unit
):
    lead_change_status(lead=lead, status=status("negocjacje"), user=advisor)
    contract = sign(lead, [unit], advisor)

    contract_cancel(contract=contract, reason="Klient zrezygnował", user=manager)

    contract.refresh_from_db()
    lead.refresh_from_db()
    unit.refresh_from_db()
    assert contract.cancelled_at is not None
    assert (contract.cancelled_by, contract.cancellation_reason) == (manager, "Klient zrezygnował")
    assert contract.history.latest().history_user == manager
    assert unit.status == UnitStatus.AVAILABLE
    assert unit.history.latest().history_user == manager
    assert not UnitHold.objects.exists()
    assert lead.status.slug == "negocjacje"
    assert lead.closed_at is None


def test_a_lead_without_an_earlier_status_in_history_goes_to_the_first_one(
    advisor, manager, lead, unit
):
    contract = sign(lead, [unit], advisor)
    lead.history.all().exclude(status__is_won=True).delete()
    contract_cancel(contract=contract, reason="Błąd", user=manager)
    lead.refresh_from_db()
    assert lead.status.slug == "nowy"


def test_a_lead_with_another_valid_contract_stays_won(advisor, manager, lead, unit, other_unit):
    first = sign(lead, [unit], advisor)
    sign(lead, [other_unit], advisor)
    contract_cancel(contract=first, reason="Zamiana lokalu", user=manager)
    lead.refresh_from_db()
    assert lead.status.is_won
    other_unit.refresh_from_db()
    assert other_unit.status == UnitStatus.SOLD


def test_a_converted_reservation_stays_converted_after_cancelling(advisor, manager, lead, unit):
    reservation = reservation_create(lead=lead, unit=unit, user=advisor)
    contract = sign(lead, [unit], advisor)
    contract_cancel(contract=contract, reason="Rezygnacja", user=manager)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONVERTED
    with pytest.raises(ValidationError):
        reservation_cancel(reservation=reservation, user=advisor)


def test_cancelling_needs_the_permission(advisor, lead, unit):
    contract = sign(lead, [unit], advisor)
    with pytest.raises(PermissionDenied):
        contract_cancel(contract=contract, reason="Chcę", user=advisor)
    contract.refresh_from_db()
    assert not contract.is_cancelled


def test_cancelling_needs_a_reason_and_happens_once(advisor, manager, lead, unit):
    contract = sign(lead, [unit], advisor)
    with pytest.raises(ValidationError) as refused:
        contract_cancel(contract=contract, reason="  ", user=manager)
    assert refused.value.message_dict == {
        "cancellation_reason": ["Say why the contract is cancelled."]
    }
    contract_cancel(contract=contract, reason="Rezygnacja", user=manager)
    with pytest.raises(ValidationError, match="already cancelled"):
        contract_cancel(contract=contract, reason="Znowu", user=manager)


# -- The pages ---------------------------------------------------------------------------------


def test_advisor_records_a_contract_from_the_page(web, advisor, lead, buyer, unit, other_unit):
    reservation_create(lead=lead, unit=other_unit, user=advisor)
    page = web.get(create_url(lead))
    assert page.status_code == 200
    assert set(page.context["form"].fields["units"].queryset) == {unit, other_unit}

    response = web.post(create_url(lead), form_data([unit, other_unit], clients=[buyer]))

    assert response.status_code == 302
    assert response.url.endswith(f"/leads/{lead.pk}/?tab=contracts")
    contract = Contract.objects.get()
    assert contract.number == "UD/1/2026"
    lead.refresh_from_db()
    assert lead.status.is_won


def test_the_form_offers_neither_sold_units_nor_ones_reserved_by_others(
    web, advisor, teammate, lead, rival_lead, unit, other_unit
):
    reservation_create(lead=rival_lead, unit=unit, user=teammate)
    sold = UnitFactory(investment=unit.investment, number="S1")
    sign(lead, [sold], advisor)
    page = web.get(create_url(lead))
    # Listed, so that the advisor sees why, but disabled: only A2 may be chosen.
    choosable = [
        option.data["label"].split(" · ")[0]
        for option in page.context["form"]["units"].subwidgets
        if not option.data["attrs"].get("disabled")
    ]
    assert choosable == ["Akacjowa — A2"]


def test_page_shows_who_holds_a_unit_next_to_the_units_field(web, teammate, lead, rival_lead, unit):
    until = today() + timedelta(days=1)
    reservation_create(lead=rival_lead, unit=unit, user=teammate, reserved_until=until)

    response = web.post(create_url(lead), form_data([unit]))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "units": [f"Akacjowa / A1: Already reserved by Piotr Zieliński until {until:%d.%m.%Y}."]
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"price": "0"}, "price", "The price must be greater than zero."),
        ({"price": "-5"}, "price", "The price must be greater than zero."),
        ({"price": ""}, "price", "Give the contract's price."),
        ({"signed_at": "2999-01-01"}, "signed_at", "cannot be in the future"),
        ({"units": []}, "units", "Choose at least one unit."),
        ({"units": ["x"]}, "units", "is not a valid value"),
        ({"units": ["999999"]}, "units", "Select a valid choice"),
        ({"kind": "lease"}, "kind", "Select a valid choice"),
    ],
)
def test_bad_contract_input_is_shown_next_to_its_field(web, lead, unit, change, field, message):
    response = web.post(create_url(lead), {**form_data([unit]), **change})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Contract.objects.exists()


def test_manager_cancels_a_contract_with_a_reason(client, advisor, manager, lead, unit):
    contract = sign(lead, [unit], advisor)
    client.force_login(manager)
    page = client.get(cancel_url(contract), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "data-confirm=" in page.text

    refused = client.post(cancel_url(contract), {"cancellation_reason": ""})
    assert refused.status_code == 400
    assert "cancellation_reason" in refused.context["form"].errors

    response = client.post(cancel_url(contract), {"cancellation_reason": "Rezygnacja klienta"})

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.is_cancelled
    again = client.get(cancel_url(contract), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "This contract is already cancelled." in messages_of(again)


def test_an_advisor_may_not_cancel_and_sees_no_button(web, advisor, lead, unit):
    contract = sign(lead, [unit], advisor)
    tab = web.get(tab_url(lead, "contracts"), HTTP_HX_REQUEST="true")
    assert cancel_url(contract) not in tab.text
    assert web.get(cancel_url(contract)).status_code == 403
    assert web.post(cancel_url(contract), {"cancellation_reason": "x"}).status_code == 403
    contract.refresh_from_db()
    assert not contract.is_cancelled


def test_manager_sees_the_cancel_button(client, advisor, manager, lead, unit):
    contract = sign(lead, [unit], advisor)
    client.force_login(manager)
    tab = client.get(tab_url(lead, "contracts"), HTTP_HX_REQUEST="true")
    assert cancel_url(contract) in tab.text


def test_outsider_gets_404_on_every_contract_url(
    client, outsider, other_manager, advisor, lead, unit
):
    contract = sign(lead, [unit], advisor)
    for user in (outsider, other_manager):
        client.force_login(user)
        assert client.get(create_url(lead)).status_code == 404
        assert client.post(create_url(lead), form_data([unit])).status_code == 404
        assert client.get(cancel_url(contract)).status_code == 404
        assert client.post(cancel_url(contract), {"cancellation_reason": "x"}).status_code == 404
    contract.refresh_from_db()
    assert not contract.is_cancelled


def test_contract_page_of_a_deleted_or_failed_lead_sends_back(web, advisor, lead):
    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    response = web.post(create_url(lead), form_data([]), follow=True)
    assert "This lead is marked as a failure; reactivate it first." in messages_of(response)
    assert 'id="lead-contract"' not in response.text


# -- The tab --------------------------------------------------------------------------------------


def test_tab_lists_contracts_with_their_details(client, advisor, manager, lead, buyer, unit):
    contract = sign(lead, [unit], advisor, clients=[buyer], number="UD/5", price=Decimal("499000"))
    contract_cancel(contract=contract, reason="Zmiana decyzji", user=manager)
    client.force_login(advisor)
    response = client.get(
        tab_url(lead, "contracts"), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )
    row = response.text.split(f'id="contract-{contract.pk}"')[1]
    for text in (
        "UD/5",
        "Developer agreement",
        "Akacjowa / A1",
        "Turza",
        "499,000.00\xa0zł",  # the price, as every amount reads
        "Cancelled",
        "Zmiana decyzji",
    ):
        assert text in row


def test_tab_without_contracts_says_so(web, lead):
    response = web.get(tab_url(lead, "contracts"), HTTP_HX_REQUEST="true")
    assert "No contracts yet." in response.text


def test_contracts_tab_query_count_is_constant(
    web, advisor, lead, buyer, django_assert_num_queries
):
    investment = lead.investments.get()
    sign(lead, [UnitFactory(investment=investment)], advisor, clients=[buyer])
    # 9 with the tab bar's counts (one query for all the tabs).
    with django_assert_num_queries(9):
        web.get(tab_url(lead, "contracts"), HTTP_HX_REQUEST="true")
    for _ in range(9):
        units = [UnitFactory(investment=investment), UnitFactory(investment=investment)]
        sign(lead, units, advisor, clients=[buyer])
    with django_assert_num_queries(9):
        response = web.get(tab_url(lead, "contracts"), HTTP_HX_REQUEST="true")
    assert response.text.count('<tr id="contract-') == 10
