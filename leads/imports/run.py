"""The import itself: each new row received as an inquiry, with `import:<row key>` as its
external id, the same as the intake's own `lead_receive` would (client matching,
assignment, history, board entries, events, receipts) but a chunk of rows at a time with
one insert per table (`batch.receive_chunk`); the assignees are told once, at the end.

No half imports, and what a killed worker leaves:
- By default rows are written in chunks of CHUNK_SIZE, each chunk in one transaction that
  also moves the batch's `rows_done` (the last row number committed) and its counts. A
  worker killed mid-chunk leaves that chunk rolled back; the task is delivered again (acks
  late) and the run resumes after `rows_done`. Were a chunk ever written twice anyway, the
  rows' external ids (the intake's unique receipts) make the second time duplicates.
- All or nothing: the whole file in one transaction; any row the import refuses rolls
  everything back and the batch fails with nothing imported; a killed worker leaves
  nothing, and the redelivered task starts over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import ImportBatch, ImportKind, ImportRowError, ImportStatus, Lead
from leads.services.intake import Received
from notifications.models import NotificationKind
from notifications.services import notification_queue

from .batch import Inquiry, is_linked, receive_chunk
from .check import CHUNK_SIZE, chunked, imported_before, read_rows
from .clients import clients_import_part
from .rows import Row, consent_refusals, error_text

COUNTS = (
    "rows_total", "rows_new", "rows_linked", "rows_duplicate_file", "rows_duplicate_db",
    "rows_error", "rows_imported",
)  # fmt: skip


class RowRefused(Exception):
    """A row the import refused under all-or-nothing: everything is rolled back."""

    def __init__(self, row: int, message: str):
        super().__init__(message)
        self.row = row
        self.message = message


def import_run(batch: ImportBatch, *, progress: Callable[[int], None] | None = None) -> None:
    """Import a checked (or interrupted) batch; ends DONE, or FAILED with nothing imported
    when all-or-nothing met a refused row."""
    if batch.all_or_nothing:
        try:
            with transaction.atomic():
                ImportBatch.objects.filter(pk=batch.pk).update(
                    rows_done=0, **dict.fromkeys(COUNTS, 0)
                )
                _run(batch, progress=progress, chunk_size=None)
        except RowRefused as refused:
            _fail(batch, refused)
            return
    else:
        # A fresh run counts from zero (the dry run's counts are replaced); a resumed one
        # keeps the counts of its committed chunks.
        ImportBatch.objects.filter(pk=batch.pk, rows_done=0).update(**dict.fromkeys(COUNTS, 0))
        _run(batch, progress=progress, chunk_size=CHUNK_SIZE)
    _refresh_statistics(batch)
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.DONE, finished_at=timezone.now()
        )
        _tell_assignees(batch)
    batch.refresh_from_db()


def _refresh_statistics(batch: ImportBatch) -> None:
    """After thousands of leads went in at once, PostgreSQL's statistics still describe the
    tables before them (autovacuum catches up later): its plans for "this import's leads of
    this employee" (the emails below, the lead list filtered by import) took the new
    import and the employee's new links for a row each and nested-looped over them, some
    100 s for 9 000 leads. Sampling the two tables again takes a second."""
    if connection.vendor != "postgresql" or batch.kind != ImportKind.LEADS:
        return
    imported = ImportBatch.objects.filter(pk=batch.pk).values_list("rows_imported", flat=True)
    if imported[0] < CHUNK_SIZE:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead, leads_lead_employees")


def _tell_assignees(batch: ImportBatch) -> None:
    """One email per employee given leads by the import (not one per lead: an import of
    10 000 rows is not 10 000 emails). Owed once per batch and employee, so a resumed run
    owes nothing new."""
    employees = User.objects.filter(leads__import_batch=batch, is_active=True).distinct()
    for employee in employees:
        notification_queue(
            kind=NotificationKind.IMPORT_ASSIGNED,
            lead=None,
            recipient=employee,
            about=f"batch{batch.pk}",
        )


def _run(batch: ImportBatch, *, progress, chunk_size: int | None) -> None:
    seen: set[str] = set()
    done = batch.rows_done if chunk_size else 0
    rows = read_rows(batch)
    for chunk in chunked(rows, chunk_size or 10**12):
        if chunk[-1].number <= done:
            # Committed before the worker was killed: only remember its rows' keys.
            seen.update(key for row in chunk if row.is_valid for key in row.seen_keys)
            continue
        with transaction.atomic():
            # The batch's row is locked: a redelivered task running at the same time
            # waits here, then sees the chunk done and skips it.
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if chunk[-1].number <= locked.rows_done:
                seen.update(key for row in chunk if row.is_valid for key in row.seen_keys)
                continue
            counts = _import_chunk(batch, chunk, seen, all_or_nothing=not chunk_size)
            ImportBatch.objects.filter(pk=batch.pk).update(
                rows_done=chunk[-1].number, **{name: F(name) + n for name, n in counts.items()}
            )
        done = chunk[-1].number
        if progress is not None:
            progress(
                ImportBatch.objects.filter(pk=batch.pk).values_list("rows_total", flat=True)[0]
            )


def _import_chunk(
    batch: ImportBatch, chunk: list[Row], seen: set[str], *, all_or_nothing: bool
) -> dict[str, int]:
    counts = dict.fromkeys(COUNTS, 0)
    # All or nothing has the whole file in one chunk: received CHUNK_SIZE rows at a time.
    for part in chunked(chunk, CHUNK_SIZE):
        if batch.kind == ImportKind.CLIENTS:
            done = clients_import_part(batch, part, seen, refuse=_refuser(all_or_nothing))
        else:
            done = _import_part(batch, part, seen, all_or_nothing=all_or_nothing)
        for name, n in done.items():
            counts[name] += n
    return counts


def _refuser(all_or_nothing: bool):
    def refuse(row: int, message: str) -> None:
        if all_or_nothing:
            raise RowRefused(row, message)

    return refuse


def _import_part(
    batch: ImportBatch, chunk: list[Row], seen: set[str], *, all_or_nothing: bool
) -> dict[str, int]:
    counts = dict.fromkeys(COUNTS, 0)
    before = imported_before(row.external_id for row in chunk if row.is_valid)
    inquiries: list[Inquiry] = []
    for row in chunk:
        counts["rows_total"] += 1
        if not row.is_valid:
            counts["rows_error"] += 1
            if all_or_nothing:
                column, message = row.errors[0]
                raise RowRefused(row.number, error_text(column, message))
            continue  # its errors were recorded by the dry run
        if row.key in seen:
            counts["rows_duplicate_file"] += 1
            continue
        seen.add(row.key)
        if row.external_id in before:
            counts["rows_duplicate_db"] += 1
            continue
        data: dict[str, Any] = {**row.data, "external_id": row.external_id}
        inquiries.append(Inquiry(row.number, data, _payload(batch, row)))
    receive_chunk(batch=batch, inquiries=inquiries)
    created: list[int] = []
    errors: list[ImportRowError] = []
    for inquiry in inquiries:
        if inquiry.error:
            if all_or_nothing:
                raise RowRefused(inquiry.number, inquiry.error)
            counts["rows_error"] += 1
            errors.append(
                ImportRowError(batch=batch, row=inquiry.number, message=inquiry.error[:500])
            )
            continue
        if inquiry.outcome == Received.DUPLICATE:
            counts["rows_duplicate_db"] += 1
            continue
        counts["rows_imported"] += 1
        counts["rows_linked" if is_linked(inquiry) else "rows_new"] += 1
        errors.extend(consent_refusals(batch, inquiry.number, inquiry.consents_refused))
        if inquiry.outcome == Received.CREATED and inquiry.lead.import_batch_id is None:
            created.append(inquiry.lead.pk)  # received one by one by lead_receive
    if created:
        Lead.objects.filter(pk__in=created).update(import_batch=batch)
    ImportRowError.objects.bulk_create(errors)
    return counts


def _payload(batch: ImportBatch, row: Row) -> dict[str, Any]:
    """The lead's raw payload: where it came from, and the row as read."""
    return {
        "import": {"batch": batch.pk, "file": batch.file_name, "row": row.number},
        "row": {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in row.data.items()
        },
    }


def _fail(batch: ImportBatch, refused: RowRefused) -> None:
    message = _("Nothing was imported: row %(row)s was refused (%(message)s).") % {
        "row": refused.row,
        "message": refused.message,
    }
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now(), rows_imported=0
    )
    batch.refresh_from_db()
