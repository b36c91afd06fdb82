"""The .xlsx of an import's rejected rows: each as it was in the file, with its errors in
a last column. The file and the errors (ordered by row) are streamed side by side."""

from __future__ import annotations

from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from crm.core.excel import Column, SheetWriter, export_file_name
from leads.models import ImportBatch, ImportRowError

from .check import open_table
from .rows import error_text


def write_rejected_rows(batch: ImportBatch, file_obj: IO[bytes]) -> int:
    """Write the rejected rows of the batch into file_obj; return how many."""
    errors = (
        ImportRowError.objects.filter(batch=batch)
        .order_by("row", "id")
        .values_list("row", "column", "message")
        .iterator(chunk_size=2000)
    )
    by_row: dict[int, list[str]] = {}
    pending = next(errors, None)
    workbook = Workbook(write_only=True)
    columns = [Column(header or "-", 18) for header in batch.headers]
    sheet = SheetWriter(
        workbook,
        title=str(_("Rejected rows")),
        columns=[Column(_("Row"), 8), *columns, Column(_("Errors"), 60)],
    )
    count = 0
    if pending is None:  # nothing rejected: the file need not be read
        workbook.save(file_obj)
        return 0
    table = open_table(batch)
    try:
        for number, cells, _problem in table.rows:
            if pending is None and not by_row:
                break  # past the last rejected row
            while pending is not None and pending[0] <= number:
                row, column, message = pending
                by_row.setdefault(row, []).append(error_text(column, message))
                pending = next(errors, None)
            messages = by_row.pop(number, None)
            if messages:
                # openpyxl cuts a value to the 32,767 characters a cell holds; the row's
                # errors say the value is too long.
                sheet.append([number, *cells, "\n".join(messages)])
                count += 1
    finally:
        batch.file.close()
    workbook.save(file_obj)
    return count


def rejected_file_name(batch: ImportBatch) -> str:
    return export_file_name(pgettext("export file name", "rejected rows"))
