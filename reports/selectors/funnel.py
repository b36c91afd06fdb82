"""The funnel: how far leads got in the pipeline, why they failed, and each advisor's
numbers."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from crm.core.models import User
from leads.models import Lead, LeadStatus

from .aggregates import Minutes, Percentile, percentiles_supported, won_statuses
from .sources import conversion


def funnel_steps(leads: QuerySet[Lead]) -> list[dict]:
    """Per active status (in pipeline order): the leads (not deleted) that reached it, i.e.
    whose furthest status so far is this one or a later one, and the share of the
    previous step's leads that got this far. A lead that jumped a step counts for it too,
    so the funnel never widens. One GROUP BY over the furthest order; the running sum over
    the few groups is done here."""
    statuses = list(LeadStatus.objects.filter(active=True).order_by("order", "id"))
    by_order = dict(
        leads.not_deleted()
        .order_by()
        .values("furthest_status_order")
        .annotate(n=Count("pk"))
        .values_list("furthest_status_order", "n")
    )
    steps, previous = [], None
    for status in statuses:
        reached = sum(n for order, n in by_order.items() if order >= status.order)
        step_conversion = conversion(reached, previous) if previous is not None else None
        steps.append({"status": status, "reached": reached, "conversion": step_conversion})
        previous = reached
    return steps


def failure_reasons(leads: QuerySet[Lead]) -> list[dict]:
    """Failed leads (not deleted) per failure reason and the status they were in when they
    failed (a failure keeps the lead's status): reason and status (ids and names), count.
    One GROUP BY."""
    return list(
        leads.not_deleted()
        .filter(failed_at__isnull=False)
        .order_by()
        .values(
            "failure_reason_id",
            "failure_reason__name",
            "status_id",
            "status__name",
            "status__order",
        )
        .annotate(count=Count("pk"))
        .order_by("failure_reason__name", "status__order")
    )


def advisor_stats(leads: QuerySet[Lead], *, only_user_id: int | None = None) -> list[dict]:
    """Per employee on the leads (a lead with two employees counts for both): leads, won,
    failed, conversion % and the median minutes from a lead's creation to its first
    conversation (PostgreSQL only; None elsewhere). One GROUP BY over the leads joined to
    their employees."""
    leads = leads.not_deleted().filter(employees__isnull=False)
    if only_user_id is not None:
        leads = leads.filter(employees=only_user_id)
    aggregates = {
        "leads": Count("pk"),
        "won": Count("pk", filter=Q(status__in=won_statuses())),
        "failed": Count("pk", filter=Q(failed_at__isnull=False)),
    }
    if percentiles_supported():
        aggregates["median_first_contact"] = Percentile(
            Minutes(F("first_contact_at"), F("created_at")),
            0.5,
            filter=Q(first_contact_at__isnull=False),
        )
    rows = list(leads.order_by().values("employees").annotate(**aggregates))
    users = User.objects.in_bulk({row["employees"] for row in rows})
    for row in rows:
        user = users[row["employees"]]
        row["user_id"] = user.pk
        row.setdefault("median_first_contact", None)
        row["name"] = user.get_full_name() or user.username
        row["conversion"] = conversion(row["won"], row["leads"])
    return sorted(
        rows, key=lambda row: (users[row["user_id"]].last_name, row["name"], row["user_id"])
    )
