"""One format on every page of a lead: a Polish reader sees "1 038 500,00 zł" for an offer,
a contract, a reservation fee and in the history alike, and an English reader
"1,038,500.00 zł"; a phone reads "+48 600 100 200" however it was typed."""
# The shared fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from leads.history import FieldChange, lead_history_page
from leads.models import ContractKind
from leads.services.offers import offer_create
from leads.services.sales import contract_create, reservation_create
from tests.leads.sales_fixtures import (  # noqa: F401  (fixtures)
    buyer,
    in_english,
    investment,
    lead,
    other_unit,
    tab_url,
    unit,
)

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


def amount(text: str) -> str:
    """An amount as the page writes it: no-break spaces between the groups and before zł."""
    return text.replace(" ", NBSP)


def reader(user, language: str) -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE=language)
    http.force_login(user)
    return http


def tab(http: HttpClient, lead, name: str) -> str:
    response = http.get(tab_url(lead, name), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.text


@pytest.fixture
def sold(advisor, lead, buyer, unit, other_unit):
    """An offer of A1 at 1 038 500, a reservation of A2 with a 5 000 fee, and a contract for
    A1 at 793 500."""
    offer_create(
        lead=lead,
        client=buyer,
        items=[(unit, Decimal("1038500"))],
        valid_until=timezone.localdate() + timedelta(days=14),
        channel="",
        notes="",
        user=advisor,
    )
    reservation_create(lead=lead, unit=other_unit, user=advisor, fee=Decimal("5000"))
    contract_create(
        lead=lead,
        kind=ContractKind.DEVELOPER,
        units=[unit],
        user=advisor,
        clients=[buyer],
        signed_at=timezone.localdate(),
        price=Decimal("793500.00"),
        number="UD/7",
    )


def test_a_polish_reader_sees_offer_fee_and_contract_amounts_in_one_format(advisor, lead, sold):
    http = reader(advisor, "pl")

    offers = tab(http, lead, "offers")
    assert amount("1 038 500,00 zł") in offers  # the offer's total
    assert amount("512 000,00 zł") in offers  # A1's list price
    assert amount("5 000,00 zł") in offers  # the reservation fee
    assert "1038500" not in offers and "5000,00" not in offers

    contracts = tab(http, lead, "contracts")
    assert amount("793 500,00 zł") in contracts
    assert "793500" not in contracts


def test_an_english_reader_sees_the_same_amounts_with_english_separators(advisor, lead, sold):
    http = reader(advisor, "en")

    assert amount("1,038,500.00 zł") in tab(http, lead, "offers")
    assert amount("793,500.00 zł") in tab(http, lead, "contracts")


def test_the_history_shows_amounts_as_the_other_tabs_do(advisor, lead, sold):
    history = tab(reader(advisor, "pl"), lead, "history")

    assert f'<ins class="history__new">{amount("793 500,00 zł")}</ins>' in history
    assert f'<ins class="history__new">{amount("5 000,00 zł")}</ins>' in history
    assert "793500.00" not in history


def test_a_phone_typed_without_its_country_reads_in_the_international_format(advisor, lead, buyer):
    buyer.phone = "600 100-200"
    buyer.save()

    clients = tab(reader(advisor, "pl"), lead, "clients")

    assert "+48 600 100 200" in clients
    assert "600 100-200" not in clients


def test_the_history_shows_a_phone_as_the_pages_do(advisor, lead):
    lead.contact_phone = "+48504976791"
    lead.save()

    entry = lead_history_page(lead=lead).object_list[0]

    assert FieldChange(label="Phone", old="", new="+48 504 976 791") in entry.changes
