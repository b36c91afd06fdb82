"""The sources report: per source, and per source and month, by SQL aggregation."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clients.models import LeadSource
from crm.core.models import User
from leads.models import IntakeOutcome, Lead
from leads.selectors import leads_visible_to

from .aggregates import by_month, name_rows, won_statuses


def source_metrics() -> dict[str, tuple]:
    """What the sources report counts: key → (label, condition on a lead). "Leads" are the
    inquiries not deleted; a deleted one counts only under "deleted". Won means the lead's
    status is a won one (a contract was signed)."""
    kept = ~Q(intake_outcome=IntakeOutcome.DELETED)
    return {
        "leads": (_("Leads"), kept),
        "verified": (
            _("Verified"),
            Q(intake_outcome__in=[IntakeOutcome.LINKED, IntakeOutcome.CONVERTED]),
        ),
        "deleted": (_("Deleted (spam, test…)"), Q(intake_outcome=IntakeOutcome.DELETED)),
        "linked": (_("Linked to a client"), Q(intake_outcome=IntakeOutcome.LINKED)),
        "converted": (_("Converted to a client"), Q(intake_outcome=IntakeOutcome.CONVERTED)),
        "offer": (_("With an offer"), kept & Q(has_offer=True)),
        "reservation": (_("With a reservation"), kept & Q(has_reservation=True)),
        "won": (_("Contracts (won)"), kept & Q(status__in=won_statuses())),
        "failed": (_("Failed"), kept & Q(failed_at__isnull=False)),
    }


def conversion(won: int, leads: int) -> float | None:
    """Won as a percentage of leads, one decimal; None without leads."""
    return round(100 * won / leads, 1) if leads else None


def source_summary(leads: QuerySet[Lead]) -> list[dict]:
    """Per source (one GROUP BY with a filtered COUNT per metric): source_id, source name
    and every metric of `source_metrics()`, plus the conversion %; busiest sources first."""
    counts = {
        key: Count("pk", filter=condition) for key, (_l, condition) in source_metrics().items()
    }
    rows = list(leads.order_by().values("source_id").annotate(**counts))
    name_rows(rows, id_key="source_id", name_key="source__name", model=LeadSource)
    for row in rows:
        row["conversion"] = conversion(row["won"], row["leads"])
    return sorted(rows, key=lambda row: (-row["leads"], row["source__name"]))


def source_months(leads: QuerySet[Lead], *, months: list[date] | None = None) -> list[dict]:
    """Leads (not deleted) per source and month of creation (local time): source_id,
    source__name, month (its first day), leads. One GROUP BY; `months`, the report's,
    lets PostgreSQL find each lead's month by a search among them (`by_month`)."""
    leads, month_of = by_month(leads.not_deleted().order_by(), months)
    rows = list(leads.values("source_id", "month").annotate(leads=Count("pk")))
    for row in rows:
        row["month"] = month_of(row["month"])
    rows = [row for row in rows if row["month"] is not None]
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
