"""A small hand-made data set whose every report number is known (see each test)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from leads.models import DeletionReason, FailureReason, IntakeOutcome, LeadEvent, Offer, Reservation
from leads.services.figures import lead_figures_rebuild
from reports.tallies import report_tallies_fold
from tests.factories import ClientFactory, LeadFactory, UnitFactory, source, status


def export_xlsx(client, url: str, params: dict):
    """A report's export as its button asks for it: a POST to the report's URL with its
    filters and format=xlsx in the query string."""
    return client.post(f"{url}?{urlencode({**params, 'format': 'xlsx'})}")


@pytest.fixture
def client():
    """A browser asking for English: the tests compare the reports' labels as text."""
    return HttpClient(HTTP_ACCEPT_LANGUAGE="en")


# The period of the data set: the first quarter of 2026.
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-03-31"}


def at(day: date, minutes: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0)) + timedelta(
        minutes=minutes
    )


def event(lead, kind: str, minutes: int) -> None:
    LeadEvent.objects.create(lead=lead, kind=kind, at=lead.created_at + timedelta(minutes=minutes))


@pytest.fixture(params=["rows", "tallies"])
def counting(request) -> str:
    """How the reports count the data set: every lead row by row (nothing tallied yet), or
    from the monthly tallies (reports/tallies.py), folded once the data set is made. Every
    report test runs both ways and expects the same numbers."""
    return request.param


@pytest.fixture
def report_data(advisor, teammate, outsider, counting):
    """www: L1 converted (offer), L2 linked and won (offer, reservation, repeat), L3 deleted
    as spam, L4 failed (was at "oferta", back to "nowy"); facebook: L5 linked (client of L2:
    a returning customer), L6 the teammate's; another branch: L7; before the period: L8."""
    branch = advisor.branch
    www, facebook = source("www"), source("facebook")
    customer = ClientFactory(branch=branch)
    leads = {}
    leads["L1"] = LeadFactory(
        branch=branch,
        employees=[advisor],
        source=www,
        status=status("oferta"),
        intake_outcome=IntakeOutcome.CONVERTED,
        created_at=at(date(2026, 1, 15)),
    )
    leads["L2"] = LeadFactory(
        branch=branch,
        employees=[advisor],
        source=www,
        status=status("umowa"),
        intake_outcome=IntakeOutcome.LINKED,
        created_at=at(date(2026, 1, 20)),
        is_repeat=True,
        clients=[customer],
    )
    leads["L3"] = LeadFactory(
        branch=branch,
        employees=[advisor],
        source=www,
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
        created_at=at(date(2026, 2, 10)),
    )
    leads["L4"] = LeadFactory(
        branch=branch,
        employees=[advisor],
        source=www,
        status=status("oferta"),
        created_at=at(date(2026, 2, 12)),
    )
    leads["L4"].status = status("nowy")
    leads["L4"].failed_at = at(date(2026, 2, 20))
    leads["L4"].failure_reason = FailureReason.objects.get(name="Cena")
    leads["L4"].save()
    leads["L5"] = LeadFactory(
        branch=branch,
        employees=[advisor],
        source=facebook,
        intake_outcome=IntakeOutcome.LINKED,
        created_at=at(date(2026, 3, 5)),
        clients=[customer],
    )
    leads["L6"] = LeadFactory(
        branch=branch,
        employees=[teammate],
        source=facebook,
        status=status("oferta"),
        created_at=at(date(2026, 3, 6)),
    )
    leads["L7"] = LeadFactory(
        branch=outsider.branch,
        employees=[outsider],
        source=facebook,
        created_at=at(date(2026, 1, 10)),
    )
    leads["L8"] = LeadFactory(
        branch=branch, employees=[advisor], source=www, created_at=at(date(2025, 12, 20))
    )
    Offer.objects.create(lead=leads["L1"])
    Offer.objects.create(lead=leads["L2"])
    Reservation.objects.create(
        lead=leads["L2"], unit=UnitFactory(), reserved_until=date(2026, 2, 1)
    )
    event(leads["L1"], "client_created", 30)
    event(leads["L1"], "first_phone", 90)
    event(leads["L2"], "client_created", 10)
    event(leads["L2"], "first_email", 20)
    event(leads["L7"], "first_phone", 5)
    # Made with factories, past the services that keep the leads' report figures.
    lead_figures_rebuild()
    if counting == "tallies":
        # December (L8) to March in the advisor's branch, January in the outsider's.
        assert report_tallies_fold() == 5
    return leads
