"""The months of a report's period: one place for the arithmetic the tallies, the counts
and the report tables share (a day's first moment: `crm.core.dates.day_start`)."""

from __future__ import annotations

from datetime import date, timedelta


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1, day=1)


def months_between(start: date, end: date) -> list[date]:
    """The first days of the months from start's month to end's, both included."""
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = next_month(current)
    return months


def whole_months(start: date, end: date) -> list[date]:
    """The first days of the months wholly inside the period (both ends included)."""
    first = start if start.day == 1 else next_month(start)
    return [
        month
        for month in months_between(first, end)
        if next_month(month) <= end + timedelta(days=1)
    ]
