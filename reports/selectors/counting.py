"""Counting a report's leads: the months already counted into the tallies (reports/models.py)
are added up from there, the rest of the leads are counted row by row, and the two are
summed per group. The same conditions (`Q` on the lead's field names) serve both."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from crm.core.dates import day_start
from crm.core.models import Branch
from leads.models import IntakeOutcome, Lead

from ..filters import ReportFilterForm
from ..models import AdvisorTally, LeadTally, TalliedSlice
from ..periods import next_month, whole_months
from ..tallies import marked_slices, tallies_supported
from .aggregates import by_month

# A lead that is not a deleted inquiry (the reports' "leads").
KEPT = ~Q(intake_outcome=IntakeOutcome.DELETED)


@dataclass(frozen=True)
class CountedLeads:
    """A report's leads (`leads`, the filter form's) in two parts: `rows`, the leads to
    count one by one, and `tallies` / `advisor_tallies`, the counts of the other ones
    (None when there are none)."""

    leads: QuerySet[Lead]
    rows: QuerySet[Lead]
    tallies: QuerySet[LeadTally] | None = None
    advisor_tallies: QuerySet[AdvisorTally] | None = None


def counted_leads(form: ReportFilterForm) -> CountedLeads:
    """The form's leads, with every whole month of its period whose tally is up to date
    (per branch) taken from the tallies. Everything is counted row by row for an advisor
    (their own leads), with an investment or advisor filter (the tallies have neither) and
    off PostgreSQL."""
    leads = form.leads()
    everything = CountedLeads(leads=leads, rows=leads)
    if not form.is_valid() or not tallies_supported():
        return everything
    user, data = form.user, form.cleaned_data
    if not (user.is_administrator or user.is_manager) or data["investment"] or data["advisor"]:
        return everything
    months = whole_months(*form.period)
    branches = _branches(form)
    if not months or not branches:
        return everything
    tallied = set(
        TalliedSlice.objects.filter(month__in=months, branch_id__in=branches).values_list(
            "branch_id", "month"
        )
    )
    if not tallied:
        return everything
    up_to_date = tallied - marked_slices()
    # The months grouped by which branches they take from the tallies, and which not.
    from_tallies: dict[frozenset[int], list[date]] = {}
    by_rows: dict[frozenset[int], list[date]] = {}
    for month in months:
        counted = frozenset(b for b in branches if (b, month) in up_to_date)
        from_tallies.setdefault(counted, []).append(month)
        by_rows.setdefault(frozenset(branches) - counted, []).append(month)
    in_tallies = Q()
    for counted, group in from_tallies.items():
        if counted:
            in_tallies |= Q(month__in=group, branch_id__in=counted)
    if not in_tallies:
        return everything
    # The period's days outside its whole months, then the months' untallied branches.
    start, end = form.period
    rows = Q()
    if start < months[0]:
        rows |= Q(created_at__lt=day_start(months[0]))
    if end >= next_month(months[-1]):
        rows |= Q(created_at__gte=day_start(next_month(months[-1])))
    for missing, group in by_rows.items():
        if missing:
            rows |= Q(branch_id__in=missing) & _created_in(group)
    source = Q(source=data["source"]) if data["source"] else Q()
    return CountedLeads(
        leads=leads,
        # Nothing to count row by row: no query at all (an always-false condition would
        # still have PostgreSQL read the period's index entries).
        rows=leads.filter(rows) if rows else leads.none(),
        tallies=LeadTally.objects.filter(in_tallies, source),
        advisor_tallies=AdvisorTally.objects.filter(in_tallies, source),
    )


def count_by(
    counted: CountedLeads,
    group_by: tuple[str, ...],
    metrics: dict[str, Q],
    *,
    where: Q | None = None,
    months: list[date] | None = None,
) -> list[dict]:
    """Per group of `group_by` (the lead's field names; with `months`, also `month`, the
    first day of the lead's month among them): every metric's count of the leads that
    meet `where` and the metric's condition. One GROUP BY over the rows, one over the
    tallies."""
    where = where if where is not None else Q()
    rows, month_of = counted.rows.filter(where).order_by(), None
    fields = group_by
    if months is not None:
        rows, month_of = by_month(rows, months)
        fields = (*group_by, "month")
    counted_rows = rows.values(*fields).annotate(**_counts(metrics))
    if month_of is not None:
        counted_rows = ({**row, "month": month_of(row["month"])} for row in counted_rows)
    tallied = []
    if counted.tallies is not None:
        tallied = counted.tallies.filter(where).order_by().values(*fields)
        tallied = tallied.annotate(**_sums(metrics))
    rows = _merged([counted_rows, tallied], fields, metrics)
    return [row for row in rows if months is None or row["month"] is not None]


def count_by_advisor(
    counted: CountedLeads, metrics: dict[str, Q], *, only_user_id: int | None = None
) -> list[dict]:
    """Per employee on the leads (not deleted inquiries; a lead with two employees counts
    for both): `user_id` and every metric's count."""
    rows = counted.rows.filter(KEPT, employees__isnull=False).order_by()
    tallies = counted.advisor_tallies
    if only_user_id is not None:
        rows = rows.filter(employees=only_user_id)
        tallies = tallies.filter(user_id=only_user_id) if tallies is not None else None
    counted_rows = rows.values(user_id=F("employees")).annotate(**_counts(metrics))
    tallied = []
    if tallies is not None:
        tallied = tallies.order_by().values("user_id").annotate(**_sums(metrics))
    return _merged([counted_rows, tallied], ("user_id",), metrics)


def _counts(metrics: dict[str, Q]) -> dict[str, Count]:
    return {key: Count("pk", filter=condition) for key, condition in metrics.items()}


def _sums(metrics: dict[str, Q]) -> dict[str, Coalesce]:
    return {key: Coalesce(Sum("count", filter=condition), 0) for key, condition in metrics.items()}


def _merged(parts: Iterable[Iterable[dict]], fields: tuple[str, ...], metrics) -> list[dict]:
    """The rows of every part, those of one group (`fields`) added up metric by metric."""
    totals: dict[tuple, dict] = {}
    for part in parts:
        for row in part:
            key = tuple(row[field] for field in fields)
            if key in totals:
                for metric in metrics:
                    totals[key][metric] += row[metric]
            else:
                totals[key] = row
    return list(totals.values())


def _branches(form: ReportFilterForm) -> set[int]:
    """The branches whose leads the form counts (managers and administrators)."""
    if form.cleaned_data["branch"]:
        return {form.cleaned_data["branch"].pk}
    if form.user.is_administrator:
        return set(Branch.objects.values_list("pk", flat=True))
    return {form.user.branch_id} if form.user.branch_id else set()


def _created_in(months: list[date]) -> Q:
    """Leads created in any of these months (neighbours joined into one range)."""
    condition, run = Q(), []
    for month in [*months, None]:
        if run and (month is None or month != next_month(run[-1])):
            condition |= Q(
                created_at__gte=day_start(run[0]),
                created_at__lt=day_start(next_month(run[-1])),
            )
            run = []
        if month is not None:
            run.append(month)
    return condition
