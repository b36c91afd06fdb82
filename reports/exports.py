"""The .xlsx export of a report: one sheet per table of the page, the same cells."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.http import FileResponse
from openpyxl import Workbook

from crm.core.excel import XLSX_CONTENT_TYPE, SheetWriter, export_file_name

from .tables import Table


def write_report_xlsx(file_obj, *, tables: Sequence[Table]) -> None:
    """Write the tables into file_obj, one sheet each (headers bold, text formula-safe)."""
    workbook = Workbook(write_only=True)
    for table in tables:
        writer = SheetWriter(workbook, title=str(table.title), columns=table.columns)
        for row in table.values():
            writer.append(row)
    if not tables:
        workbook.create_sheet()
    workbook.save(file_obj)


def report_xlsx_response(*, name: str, tables: Sequence[Table]) -> FileResponse:
    """A download of the tables as `<name>-<date>.xlsx`."""
    buffer = io.BytesIO()
    write_report_xlsx(buffer, tables=tables)
    buffer.seek(0)
    return FileResponse(
        buffer, as_attachment=True, filename=export_file_name(name), content_type=XLSX_CONTENT_TYPE
    )
