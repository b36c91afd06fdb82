"""Repeat customers: per month, the share of repeat leads and of returning customers."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from .counting import KEPT, CountedLeads, count_by
from .sources import conversion


def repeat_by_month(counted: CountedLeads, *, months: list[date]) -> list[dict]:
    """Per month of creation (local time) among `months`, leads not deleted: month (its
    first day), leads, repeat (marked as a repeat inquiry), returning (their client has
    another, won lead: the lead's stored mark), and both as %."""
    metrics = {
        "leads": Q(),
        "repeat": Q(is_repeat=True),
        "returning": Q(of_returning_customer=True),
    }
    rows = count_by(counted, (), metrics, where=KEPT, months=months)
    for row in rows:
        row["repeat_share"] = conversion(row["repeat"], row["leads"])
        row["returning_share"] = conversion(row["returning"], row["leads"])
    return sorted(rows, key=lambda row: row["month"])
