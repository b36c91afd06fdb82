"""Repeat customers: per month, the share of repeat leads and of returning customers."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from leads.models import Lead

from .sources import conversion


def repeat_by_month(leads: QuerySet[Lead]) -> list[dict]:
    """Per month of creation (local time), leads not deleted: month, leads, repeat (marked
    as a repeat inquiry), returning (their client has another, won lead: the lead's stored
    mark), and both as %. One GROUP BY."""
    rows = list(
        leads.not_deleted()
        .order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            leads=Count("pk"),
            repeat=Count("pk", filter=Q(is_repeat=True)),
            returning=Count("pk", filter=Q(of_returning_customer=True)),
        )
        .order_by("month")
    )
    for row in rows:
        row["repeat_share"] = conversion(row["repeat"], row["leads"])
        row["returning_share"] = conversion(row["returning"], row["leads"])
    return rows
