"""Counting leads into the reports' tallies (reports/models.py): the only writes of the
reports app, and only to its own copies.

A slice is one branch's month (local time). `report_tallies_fold` counts again every
slice that has change marks (the database's triggers write them), deleting the marks first
in the same transaction: a change that commits later leaves its own mark, so no change is
lost between the count and the deletion. A periodic task folds every minute; a report
meanwhile counts a marked slice's leads row by row, so it is never stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, DateField
from django.db.models.functions import TruncMonth

from crm.core.dates import day_start
from leads.models import IntakeOutcome, Lead

from .models import AdvisorTally, LeadTally, TalliedSlice, TallyChange
from .periods import next_month

# What a lead tally groups by: the lead's own field names (see LeadTally).
LEAD_TALLY_FIELDS = (
    "source_id",
    "status_id",
    "intake_outcome",
    "failure_reason_id",
    "furthest_status_order",
    "has_offer",
    "has_reservation",
    "is_repeat",
    "of_returning_customer",
)
ADVISOR_TALLY_FIELDS = ("source_id", "status_id", "failure_reason_id")
# Any fixed number: it names the lock that keeps two folds from counting at once.
FOLD_LOCK = 7_310_001


def tallies_supported() -> bool:
    """The change marks come from PostgreSQL triggers; without them nothing is tallied."""
    return connection.vendor == "postgresql"


def local_month() -> TruncMonth:
    """A lead's (or a mark's) `created_at` as the first day of its local month."""
    return TruncMonth("created_at", output_field=DateField())


def marked_slices() -> set[tuple[int, date]]:
    """The slices (branch id, month) with change marks: their tallies may be out of date."""
    marks = TallyChange.objects.annotate(month=local_month()).order_by()
    return set(marks.values_list("branch_id", "month").distinct())


def report_tallies_fold() -> int:
    """Count again every marked slice; returns how many. Does nothing (0) when another
    fold is running or off PostgreSQL."""
    if not tallies_supported():
        return 0
    with _fold_lock() as locked:
        if not locked:
            return 0
        slices = sorted(marked_slices())
        for branch_id, month in slices:
            tally_slice(branch_id=branch_id, month=month)
    return len(slices)


def report_tallies_rebuild() -> int:
    """Forget every tally and count every slice that has leads (after loading leads with
    the triggers off, or after a change of TIME_ZONE); returns how many slices. Reports
    count row by row until their slices are counted again."""
    if not tallies_supported():
        return 0
    with _fold_lock(wait=True):
        with transaction.atomic():
            for model in (TalliedSlice, LeadTally, AdvisorTally):
                model.objects.all().delete()
        leads = Lead.objects.annotate(month=local_month()).order_by()
        slices = sorted(set(leads.values_list("branch_id", "month").distinct()))
        for branch_id, month in slices:
            tally_slice(branch_id=branch_id, month=month)
    return len(slices)


@contextmanager
def _fold_lock(*, wait: bool = False) -> Iterator[bool]:
    """PostgreSQL's session lock FOLD_LOCK for the block: True when this process holds it
    (with `wait`, always, once the other fold ends)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_lock(%s), true" if wait else "SELECT pg_try_advisory_lock(%s)",
            [FOLD_LOCK],
        )
        locked = cursor.fetchone()[-1]
        try:
            yield locked
        finally:
            if locked:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [FOLD_LOCK])


@transaction.atomic
def tally_slice(*, branch_id: int, month: date) -> None:
    """Count one branch's month into the tallies, replacing its earlier counts, and
    delete its change marks (first: see the module's docstring)."""
    start, end = day_start(month), day_start(next_month(month))
    TallyChange.objects.filter(
        branch_id=branch_id, created_at__gte=start, created_at__lt=end
    ).delete()
    leads = Lead.objects.filter(branch_id=branch_id, created_at__gte=start, created_at__lt=end)
    LeadTally.objects.filter(branch_id=branch_id, month=month).delete()
    AdvisorTally.objects.filter(branch_id=branch_id, month=month).delete()
    LeadTally.objects.bulk_create(
        LeadTally(branch_id=branch_id, month=month, **row)
        for row in leads.order_by().values(*LEAD_TALLY_FIELDS).annotate(count=Count("pk"))
    )
    on_leads = (
        leads.exclude(intake_outcome=IntakeOutcome.DELETED)
        .filter(employees__isnull=False)
        .order_by()
        .values("employees", *ADVISOR_TALLY_FIELDS)
        .annotate(count=Count("pk"))
    )
    AdvisorTally.objects.bulk_create(
        AdvisorTally(
            branch_id=branch_id,
            month=month,
            user_id=row.pop("employees"),
            **row,
        )
        for row in on_leads
    )
    TalliedSlice.objects.update_or_create(branch_id=branch_id, month=month)
