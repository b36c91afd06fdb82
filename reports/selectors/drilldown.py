"""The leads behind a number of any report: the same conditions the aggregations count."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from leads.models import FailureReason, IntakeOutcome, Lead, LeadStatus

from .sources import source_metrics


def drilldown_metrics() -> dict[str, object]:
    """Every metric a report links to, key → label."""
    labels = {key: label for key, (label, _condition) in source_metrics().items()}
    labels.update(
        {
            "reached": _("Leads that reached the status"),
            "repeat": _("Repeat leads"),
            "returning": _("Leads of returning customers"),
        }
    )
    return labels


def drilldown_leads(
    leads: QuerySet[Lead],
    *,
    metric: str,
    status: LeadStatus | None = None,
    reason: FailureReason | None = None,
) -> QuerySet[Lead]:
    """The leads counted under `metric` (see `drilldown_metrics`): "reached" with a status
    is the funnel's step, "failed" may be narrowed to a reason and a status at failure."""
    kept = ~Q(intake_outcome=IntakeOutcome.DELETED)
    if metric == "reached":
        leads = leads.filter(kept)
        return leads.filter(furthest_status_order__gte=status.order) if status else leads
    if metric == "repeat":
        return leads.filter(kept, is_repeat=True)
    if metric == "returning":
        return leads.filter(kept, of_returning_customer=True)
    conditions = source_metrics()
    leads = leads.filter(conditions.get(metric, conditions["leads"])[1])
    if metric == "failed":
        if reason is not None:
            leads = leads.filter(failure_reason=reason)
        if status is not None:
            leads = leads.filter(status=status)
    return leads
