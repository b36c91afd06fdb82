"""The .xlsx export of a report: one sheet per table of the page, the same cells."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace

from django.http import FileResponse
from openpyxl import Workbook

from crm.core.excel import XLSX_CONTENT_TYPE, Column, SheetWriter, export_file_name

from .tables import Table


def write_report_xlsx(file_obj, *, tables: Sequence[Table]) -> None:
    """Write the tables into file_obj, one sheet each (headers bold, text formula-safe)."""
    workbook = Workbook(write_only=True)
    for table in tables:
        writer = SheetWriter(workbook, title=str(table.title), columns=_columns(table))
        for row in table.values():
            writer.append(row)
    if not tables:
        workbook.create_sheet()
    workbook.save(file_obj)


def _columns(table: Table) -> list[Column]:
    """The table's columns; a column of spans, read as '2d 0h' on the page, holds minutes
    in the file (a number a spreadsheet can sum): its header says so."""
    rows = table.all_rows()
    spans = {index for index, cell in enumerate(rows[0]) if cell.minutes} if rows else set()
    return [
        replace(column, header=f"{column.header} (min)") if index in spans else column
        for index, column in enumerate(table.columns)
    ]


def report_xlsx_response(*, name: str, tables: Sequence[Table]) -> FileResponse:
    """A download of the tables as `<name>-<date>.xlsx`."""
    buffer = io.BytesIO()
    write_report_xlsx(buffer, tables=tables)
    buffer.seek(0)
    return FileResponse(
        buffer, as_attachment=True, filename=export_file_name(name), content_type=XLSX_CONTENT_TYPE
    )
