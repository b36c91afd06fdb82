"""The per-employee copy of a lead's board state (kanban counts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .lead import Lead
from .pipeline import LeadStatus


class BoardEntry(models.Model):
    """A lead's place on one employee's board: one row per lead and employee, carrying a
    copy of the lead's status, failure, deletion and archiving.

    Why a copy: an advisor can hold tens of thousands of leads spread over the whole lead
    table, and counting them per status means visiting every one of them (a second per
    board on a million leads). From this table the same count reads one narrow index. It is
    written only by `leads.services.board.board_entries_refresh`, which every write of a
    lead's status, failure, deletion or employees calls."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="board_entries")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.ForeignKey(LeadStatus, on_delete=models.PROTECT, related_name="+")
    failed = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    # Archived leads leave the board; a database default for rows loaded by plain SQL.
    archived = models.BooleanField(default=False, db_default=False)
    # The lead's, which never changes: the newest cards come from the same index.
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "employee"], name="board_entry_unique"),
        ]
        indexes = [
            models.Index(
                fields=["employee", "status", "failed", "deleted", "archived", "-created_at"],
                name="board_entry_column_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} · {self.employee_id}"
