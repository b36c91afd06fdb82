"""What the reservation and contract stories share: an investment with units, a lead of the
advisor's on it with its client, and a second lead of a teammate's on the same investment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from settings_app.models import CRMSettings
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, UnitFactory, status


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages in English, as the pages are asked for (the web fixture)."""
    with translation.override("en"):
        yield


@pytest.fixture
def investment(db):
    return InvestmentFactory(name="Akacjowa")


@pytest.fixture
def unit(investment):
    return UnitFactory(investment=investment, number="A1", list_price=Decimal("512000.00"))


@pytest.fixture
def other_unit(investment):
    return UnitFactory(investment=investment, number="A2", list_price=Decimal("430000.00"))


@pytest.fixture
def buyer(advisor):
    return ClientFactory(
        first_name="Elżbieta", last_name="Turza", branch=advisor.branch, caretaker=advisor
    )


@pytest.fixture
def lead(advisor, buyer, investment):
    lead = LeadFactory(
        name="Mieszkanie na Akacjowej",
        branch=advisor.branch,
        status=status("lead-aktywny"),
        employees=[advisor],
        clients=[buyer],
        created_by=advisor,
    )
    lead.investments.add(investment)
    return lead


@pytest.fixture
def rival_lead(teammate, investment):
    """A teammate's lead on the same investment, with a client of its own."""
    lead = LeadFactory(
        name="Dwa pokoje",
        branch=teammate.branch,
        status=status("lead-aktywny"),
        employees=[teammate],
        clients=[ClientFactory(last_name="Konkurent", branch=teammate.branch)],
    )
    lead.investments.add(investment)
    return lead


def set_manual_status_changes(allowed: bool) -> None:
    row = CRMSettings.get_solo()
    row.manual_status_change_allowed = allowed
    row.save()


def tab_url(lead, tab: str) -> str:
    return reverse("leads:tab", args=[lead.pk, tab])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
