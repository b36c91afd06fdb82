"""The funnel: how far leads got in the pipeline, why they failed, and each advisor's
numbers."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from leads.models import Lead, LeadEvent, LeadStatus

from .aggregates import FIRST_CONTACT_KINDS, Minutes, percentiles_supported
from .sources import conversion


def furthest_status_order() -> Greatest:
    """The highest status order a lead ever had: over its history (simple-history keeps a
    snapshot of every change) and its current status."""
    history = Lead.history.model
    ever = Subquery(
        history.objects.filter(id=OuterRef("pk"))
        .order_by()
        .values("id")
        .annotate(top=Max("status__order"))
        .values("top")
    )
    return Greatest(Coalesce(ever, F("status__order")), F("status__order"))


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
        .annotate(furthest=furthest_status_order())
        .values("furthest")
        .annotate(n=Count("pk"))
        .values_list("furthest", "n")
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
    their employees, and one for the medians."""
    leads = leads.not_deleted().filter(employees__isnull=False)
    if only_user_id is not None:
        leads = leads.filter(employees=only_user_id)
    aggregates = {
        "leads": Count("pk"),
        "won": Count("pk", filter=Q(status__is_won=True)),
        "failed": Count("pk", filter=Q(failed_at__isnull=False)),
    }
    rows = list(
        leads.order_by()
        .values("employees", "employees__first_name", "employees__last_name", "employees__username")
        .annotate(**aggregates)
        .order_by("employees__last_name", "employees__first_name", "employees")
    )
    medians = first_contact_medians(leads) if rows and percentiles_supported() else {}
    for row in rows:
        row["user_id"] = row["employees"]
        row["median_first_contact"] = medians.get(row["user_id"])
        row["name"] = (
            f"{row['employees__first_name']} {row['employees__last_name']}".strip()
            or row["employees__username"]
        )
        row["conversion"] = conversion(row["won"], row["leads"])
    return rows


def first_contact_medians(leads: QuerySet[Lead]) -> dict[int, float]:
    """Per employee, the median minutes from a lead's creation to its first conversation
    (PostgreSQL). The minutes are computed once per lead (a GROUP BY over the lead events,
    built with the ORM) and the percentile taken per employee over them: a hash join
    instead of a search of the events for every lead and employee."""
    per_lead = (
        LeadEvent.objects.filter(
            kind__in=FIRST_CONTACT_KINDS, lead__in=leads.order_by().values("pk")
        )
        .order_by()
        .values("lead_id")
        .annotate(minutes=Minutes(Min("at"), Min("lead__created_at")))
        .values("lead_id", "minutes")
    )
    inner, params = per_lead.query.sql_with_params()
    links = Lead.employees.through._meta.db_table
    sql = (
        "SELECT link.user_id, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY per_lead.minutes) "
        f"FROM {links} link JOIN ({inner}) per_lead ON per_lead.lead_id = link.lead_id "
        "GROUP BY link.user_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
