"""Repeat customers: per month, the share of repeat leads and of returning customers."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet

from leads.models import Lead

from .aggregates import by_month
from .sources import conversion


def repeat_by_month(leads: QuerySet[Lead], *, months: list[date] | None = None) -> list[dict]:
    """Per month of creation (local time), leads not deleted: month (its first day),
    leads, repeat (marked as a repeat inquiry), returning (their client has another, won
    lead: the lead's stored mark), and both as %. One GROUP BY; `months` as for
    `source_months`."""
    leads, month_of = by_month(leads.not_deleted().order_by(), months)
    rows = list(
        leads.values("month").annotate(
            leads=Count("pk"),
            repeat=Count("pk", filter=Q(is_repeat=True)),
            returning=Count("pk", filter=Q(of_returning_customer=True)),
        )
    )
    for row in rows:
        row["month"] = month_of(row["month"])
        row["repeat_share"] = conversion(row["repeat"], row["leads"])
        row["returning_share"] = conversion(row["returning"], row["leads"])
    return sorted((row for row in rows if row["month"] is not None), key=lambda r: r["month"])
