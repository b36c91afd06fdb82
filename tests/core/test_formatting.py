"""Handling time (czas obsługi): from a lead's creation to its close, or to now while open,
shown as whole days and hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.core.formatting import format_duration
from tests.factories import LeadFactory


@pytest.mark.parametrize(
    ("duration", "shown"),
    [
        (timedelta(days=117), "117d 0h"),
        (timedelta(days=2, hours=5, minutes=59), "2d 5h"),
        (timedelta(hours=23, minutes=59, seconds=59), "0d 23h"),
        (timedelta(hours=24), "1d 0h"),
        (timedelta(minutes=30), "0d 0h"),
        (timedelta(0), "0d 0h"),
    ],
)
def test_duration_is_shown_in_whole_days_and_hours(duration, shown):
    assert format_duration(duration) == shown


def test_negative_duration_from_a_clock_skew_is_shown_as_zero():
    assert format_duration(timedelta(hours=-5)) == "0d 0h"


def test_closed_lead_handling_time_runs_to_its_close_not_to_now(branch):
    created = timezone.now() - timedelta(days=400)
    lead = LeadFactory(
        branch=branch,
        created_at=created,
        closed_at=created + timedelta(days=117, hours=3, minutes=20),
    )

    assert lead.handling_time == timedelta(days=117, hours=3, minutes=20)
    assert format_duration(lead.handling_time) == "117d 3h"


def test_open_lead_handling_time_runs_to_now(branch):
    created = timezone.now() - timedelta(days=3, hours=4)
    lead = LeadFactory(branch=branch, created_at=created)

    before = timezone.now()
    handling_time = lead.handling_time
    after = timezone.now()

    assert before - created <= handling_time <= after - created
    assert format_duration(handling_time) == "3d 4h"
