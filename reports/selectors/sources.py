"""The sources report: per source, and per source and month, by SQL aggregation."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from clients.models import LeadSource
from crm.core.models import User
from leads.models import IntakeOutcome
from leads.selectors import leads_visible_to

from .aggregates import name_rows, won_statuses
from .counting import KEPT, CountedLeads, count_by


def source_metrics() -> dict[str, tuple]:
    """What the sources report counts: key → (label, condition on a lead). "Leads" are the
    inquiries not deleted; a deleted one counts only under "deleted". Won means the lead's
    status is a won one (a contract was signed); failed, that it has a failure reason (a
    failed lead always has one, a database rule). The conditions hold for the leads and
    for their tallies alike (the same field names)."""
    return {
        "leads": (_("Leads"), KEPT),
        "verified": (
            _("Verified"),
            Q(intake_outcome__in=[IntakeOutcome.LINKED, IntakeOutcome.CONVERTED]),
        ),
        "deleted": (_("Deleted (spam, test…)"), Q(intake_outcome=IntakeOutcome.DELETED)),
        "linked": (_("Linked to a client"), Q(intake_outcome=IntakeOutcome.LINKED)),
        "converted": (_("Converted to a client"), Q(intake_outcome=IntakeOutcome.CONVERTED)),
        "offer": (_("With an offer"), KEPT & Q(has_offer=True)),
        "reservation": (_("With a reservation"), KEPT & Q(has_reservation=True)),
        "won": (_("Contracts (won)"), KEPT & Q(status__in=won_statuses())),
        "failed": (_("Failed"), KEPT & Q(failure_reason__isnull=False)),
    }


def conversion(won: int, leads: int) -> float | None:
    """Won as a percentage of leads, one decimal; None without leads."""
    return round(100 * won / leads, 1) if leads else None


def source_summary(counted: CountedLeads) -> list[dict]:
    """Per source (a filtered count per metric): source_id, source name and every metric
    of `source_metrics()`, plus the conversion %; busiest sources first."""
    conditions = {key: condition for key, (_l, condition) in source_metrics().items()}
    rows = count_by(counted, ("source_id",), conditions)
    name_rows(rows, id_key="source_id", name_key="source__name", model=LeadSource)
    for row in rows:
        row["conversion"] = conversion(row["won"], row["leads"])
    return sorted(rows, key=lambda row: (-row["leads"], row["source__name"]))


def source_months(counted: CountedLeads, *, months: list[date]) -> list[dict]:
    """Leads (not deleted) per source and month of creation (local time) among `months`:
    source_id, source__name, month (its first day), leads."""
    rows = count_by(counted, ("source_id",), {"leads": Q()}, where=KEPT, months=months)
    name_rows(rows, id_key="source_id", name_key="source__name", model=LeadSource)
    return sorted(rows, key=lambda row: (row["month"], row["source__name"]))


def leads_by_source(*, user: User) -> list[dict]:
    """Per source: all visible leads, won and failed (deleted inquiries excluded)."""
    return list(
        leads_visible_to(user)
        .not_deleted()
        .values("source__name")
        .annotate(
            total=Count("pk"),
            won=Count("pk", filter=Q(status__is_won=True)),
            failed=Count("pk", filter=Q(failed_at__isnull=False)),
        )
        .order_by("-total", "source__name")
    )
