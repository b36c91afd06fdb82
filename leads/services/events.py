"""The lead events the reports measure from (see `leads.models.LeadEvent`)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from leads.models import Lead, LeadEvent, LeadEventKind

from .figures import lead_figures_event


def lead_event_record(*, lead: Lead, kind: LeadEventKind, at: datetime) -> None:
    """Record that `kind` happened to the lead at `at`, unless it already did: the first
    time counts (a first call stays the first call). A new moment is copied to the lead's
    report columns."""
    if kind == LeadEventKind.CREATED:
        lead_events_record_created([lead])
        return
    _event, created = LeadEvent.objects.get_or_create(lead=lead, kind=kind, defaults={"at": at})
    if created:
        lead_figures_event(lead_id=lead.pk, kind=kind, at=at)


def lead_events_record_created(leads: list[Lead]) -> None:
    """The "created" event of new leads, at their creation, in one statement (every
    inquiry's; the lead's own created_at is its report column)."""
    LeadEvent.objects.bulk_create(
        [LeadEvent(lead=lead, kind=LeadEventKind.CREATED, at=lead.created_at) for lead in leads],
        ignore_conflicts=True,
    )


# For leads loaded in bulk (the demo seeder, the benchmark's COPY), which bypass the
# services: each lead's "created" event from its creation time.
BACKFILL_CREATED_SQL = """
    INSERT INTO leads_leadevent (lead_id, kind, at)
    SELECT id, 'created', created_at FROM leads_lead
    WHERE true  -- SQLite parses "SELECT ... ON CONFLICT" only after a WHERE clause
    ON CONFLICT (lead_id, kind) DO NOTHING
"""


def lead_events_backfill_created() -> int:
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL_CREATED_SQL)
        return cursor.rowcount
