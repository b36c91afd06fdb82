"""Local-time moments every app needs."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone


def day_start(day: date) -> datetime:
    """The first moment of a day, in the current (the CRM's) time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))
