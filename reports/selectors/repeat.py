"""Repeat customers: per month, the share of repeat leads and of returning customers."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from leads.models import Lead

from .sources import conversion


def of_returning_customer_ids() -> QuerySet:
    """The ids of leads of a returning customer (as `leads.selectors.of_returning_customer`:
    a client of the lead has another, won lead), as one set PostgreSQL hashes once instead
    of a search per lead: a lead is one when a client of it has two won leads, or has one
    and this lead is not won."""
    links = Lead.clients.through.objects.order_by()
    won = links.filter(lead__status__is_won=True).values("client_id")
    twice_won = won.annotate(n=Count("lead_id")).filter(n__gte=2).values("client_id")
    return links.filter(
        Q(client_id__in=twice_won) | Q(client_id__in=won, lead__status__is_won=False)
    ).values("lead_id")


def repeat_by_month(leads: QuerySet[Lead]) -> list[dict]:
    """Per month of creation (local time), leads not deleted: month, leads, repeat (marked
    as a repeat inquiry), returning (their client has another, won lead), and both as %.
    One GROUP BY."""
    rows = list(
        leads.not_deleted()
        .order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            leads=Count("pk"),
            repeat=Count("pk", filter=Q(is_repeat=True)),
            returning=Count("pk", filter=Q(pk__in=of_returning_customer_ids())),
        )
        .order_by("month")
    )
    for row in rows:
        row["repeat_share"] = conversion(row["repeat"], row["leads"])
        row["returning_share"] = conversion(row["returning"], row["leads"])
    return rows
