"""The board entries: each lead's status, failure, deletion and archiving copied onto one row per
employee (see `leads.models.BoardEntry` for why). Every write that changes those fields or
a lead's employees ends with one of these calls."""

from __future__ import annotations

from django.db import connection

from leads.models import BoardEntry, IntakeOutcome, Lead


def _column_values(lead: Lead) -> dict:
    return {
        "status_id": lead.status_id,
        "failed": lead.failed_at is not None,
        "deleted": lead.intake_outcome == IntakeOutcome.DELETED,
        "archived": lead.archived_at is not None,
        "created_at": lead.created_at,
    }


def board_entries_update(*, lead: Lead) -> None:
    """Copy the lead's status, failure, deletion and archiving onto its entries (after a
    save)."""
    BoardEntry.objects.filter(lead=lead).update(**_column_values(lead))


def board_entries_create(*, lead: Lead, employee_ids: list[int]) -> None:
    """The entries of a lead just inserted, for its employees."""
    board_entries_create_many([(lead, pk) for pk in employee_ids])


def board_entries_create_many(pairs: list[tuple[Lead, int]]) -> None:
    """The entries of leads just inserted, (lead, employee id) each, in one statement."""
    BoardEntry.objects.bulk_create(
        BoardEntry(lead=lead, employee_id=pk, **_column_values(lead)) for lead, pk in pairs
    )


def board_entries_refresh(*, lead: Lead) -> None:
    """Make the lead's entries match its employees (after they changed) and its columns."""
    employee_ids = list(
        Lead.employees.through.objects.filter(lead=lead).values_list("user_id", flat=True)
    )
    BoardEntry.objects.filter(lead=lead).exclude(employee_id__in=employee_ids).delete()
    values = _column_values(lead)
    BoardEntry.objects.bulk_create(
        [BoardEntry(lead=lead, employee_id=pk, **values) for pk in employee_ids],
        update_conflicts=True,
        unique_fields=["lead", "employee"],
        update_fields=["status", "failed", "deleted", "archived", "created_at"],
    )


# The same copy for every lead at once, for data loaded in bulk (the demo seeder, the
# benchmark's COPY), which bypasses the services. Plain SQL that PostgreSQL and SQLite share.
REBUILD_SQL = """
    INSERT INTO leads_boardentry
        (lead_id, employee_id, status_id, failed, deleted, archived, created_at)
    SELECT link.lead_id, link.user_id, lead.status_id, lead.failed_at IS NOT NULL,
           lead.intake_outcome = 'deleted', lead.archived_at IS NOT NULL, lead.created_at
    FROM leads_lead_employees link JOIN leads_lead lead ON lead.id = link.lead_id
"""


def board_entries_rebuild() -> int:
    """Write every lead's entries anew from the leads and their employees; returns how
    many there are."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM leads_boardentry")
        cursor.execute(REBUILD_SQL)
        return cursor.rowcount
