"""The dry run: every row of the file read, checked and classified as the import would
treat it, nothing written but the batch's counts and its rows' errors.

Rows stream from the file; every CHUNK_SIZE valid rows cost two queries (the receipts of
earlier imports, the clients with the same phones or emails), so the work grows with the
file and the query count with its chunks, never with a query per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from django.conf import settings

from clients.selectors import clients_with_contacts
from crm.core.normalization import normalize_email
from leads.models import ImportBatch, ImportKind, ImportRowError, IntakeReceipt
from settings_app.selectors import crm_settings

from .clients import ClientRowReader, clients_check
from .limits import long_cells, too_many_rows_message
from .reading import ImportFileError, Table, read_table
from .rows import Row, RowReader
from .status import batch_checked

# Rows per committed chunk of the import (a setting only so that a test's worker process
# can make a small file several chunks long).
CHUNK_SIZE = getattr(settings, "LEJEK_IMPORT_CHUNK_SIZE", 1000)
T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def open_table(batch: ImportBatch) -> Table:
    """The batch's stored file as a table, in the batch's encoding (the file stays open
    while its rows are read). It was checked at upload: it is not checked again."""
    file_obj = batch.file.open("rb")
    return read_table(file_obj, batch.file_name, encoding=batch.encoding or None)


def preview_rows(batch: ImportBatch, count: int = 3) -> list[list[str]]:
    """The first rows of the file as text, for the mapping page; none if it cannot be read."""
    try:
        table = open_table(batch)
    except (ImportFileError, OSError):
        return []
    try:
        return [[str(cell) for cell in cells] for _n, cells, _p in islice(table.rows, count)]
    except ImportFileError:
        return []
    finally:
        table.rows.close()
        batch.file.close()


def read_rows(batch: ImportBatch) -> Iterator[Row]:
    """Every non-empty row of the batch's file, read with its mapping: a row the file's
    structure broke (an unclosed quotation mark) or with a value over the length limit is
    a row with that error. ImportFileError past the CRM settings' most rows (checked at
    upload from the sheet's stated size, which a file may understate)."""
    table = open_table(batch)
    reader_class = ClientRowReader if batch.kind == ImportKind.CLIENTS else RowReader
    reader = reader_class(mapping=batch.mapping, headers=table.headers)
    max_rows = crm_settings().import_max_rows
    try:
        for count, (number, cells, problem) in enumerate(table.rows, start=1):
            if count > max_rows:
                raise ImportFileError(too_many_rows_message(max_rows))
            if problem:
                yield Row(number=number, errors=[("", problem)])
            elif errors := long_cells(cells, table.headers):
                yield Row(number=number, errors=errors)
            else:
                yield reader.read(number, cells)
    finally:
        table.rows.close()
        batch.file.close()


def imported_before(keys: Iterable[str]) -> set[str]:
    """The external ids among these that an earlier import (of any source) received."""
    return set(
        IntakeReceipt.objects.filter(external_id__in=list(keys)).values_list(
            "external_id", flat=True
        )
    )


def known_contacts(rows: Iterable[Row]) -> tuple[set[str], set[str]]:
    """The phones (E.164) and emails (normalised) of these rows that a client has."""
    phones = {row.data["phone"] for row in rows if row.data.get("phone")}
    emails = {normalize_email(row.data["email"]) for row in rows if row.data.get("email")}
    if not phones and not emails:
        return set(), set()
    found = clients_with_contacts(phones=phones, emails=emails).values_list(
        "phone_e164", "email_normalized"
    )
    known_phones, known_emails = set(), set()
    for phone, email in found:
        known_phones.add(phone)
        known_emails.add(email)
    return known_phones & phones, known_emails & emails


def import_check(batch: ImportBatch, *, progress: Callable[[int], None] | None = None) -> None:
    """Run the dry run of a mapped batch: its counts and row errors replace the previous
    ones, and the batch is CHECKED."""
    if batch.kind == ImportKind.CLIENTS:
        clients_check(batch, chunked(read_rows(batch), CHUNK_SIZE), progress=progress)
        return
    counts = dict.fromkeys(("rows_total", "rows_new", "rows_linked", "rows_error"), 0)
    counts |= {"rows_duplicate_file": 0, "rows_duplicate_db": 0}
    seen: set[str] = set()
    ImportRowError.objects.filter(batch=batch).delete()
    for chunk in chunked(read_rows(batch), CHUNK_SIZE):
        errors = []
        fresh = []
        for row in chunk:
            counts["rows_total"] += 1
            if not row.is_valid:
                counts["rows_error"] += 1
                errors.extend(
                    ImportRowError(
                        batch=batch, row=row.number, column=column[:200], message=text[:500]
                    )
                    for column, text in row.errors
                )
            elif row.key in seen:
                counts["rows_duplicate_file"] += 1
            else:
                seen.add(row.key)
                fresh.append(row)
        before = imported_before(row.external_id for row in fresh)
        fresh = [row for row in fresh if row.external_id not in before]
        counts["rows_duplicate_db"] += len(before)
        phones, emails = known_contacts(fresh)
        linked = sum(
            1
            for row in fresh
            if row.data.get("phone") in phones
            or normalize_email(row.data.get("email", "")) in emails
        )
        counts["rows_linked"] += linked
        counts["rows_new"] += len(fresh) - linked
        ImportRowError.objects.bulk_create(errors)
        if progress is not None:
            progress(counts["rows_total"])
    batch_checked(batch, counts)
