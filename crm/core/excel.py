"""Safe Excel writing shared by every export: openpyxl in write-only (streaming) mode, bold
headers, column widths, real Excel dates in local time, and text that a spreadsheet never
runs as a formula.

A list is exported as `write_xlsx(file_obj, columns=..., rows=...)`, where the rows are plain
Python values: strings, numbers, booleans, dates and datetimes, None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
DATE_FORMAT = "dd.mm.yyyy"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel, LibreOffice and Google Sheets start a formula (or a DDE call) with these.
FORMULA_STARTS = ("=", "+", "-", "@")
# A leading tab or carriage return can hide such a start from a reader of the file.
HIDING_STARTS = ("\t", "\r")
PROGRESS_EVERY = 500

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (translated when the file is written) and width
    in Excel's character units."""

    header: str | Promise
    width: float = 16


def looks_like_formula(text: str) -> bool:
    """True for text a spreadsheet could take for a formula: one starting with =, +, - or @,
    also after leading whitespace, or starting with a tab or a carriage return."""
    return text.startswith(HIDING_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def excel_datetime(value: datetime) -> datetime:
    """Excel has no time zones: an aware datetime is written as the wall-clock time of the
    project's time zone (Europe/Warsaw), whatever zone the request or worker has active."""
    if timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return value.replace(tzinfo=None)


class SheetWriter:
    """One worksheet of a write-only workbook, appended row by row.

    Rows stay out of memory: openpyxl streams them to a temporary file. Only the values
    that need more than their type (dates, the header, formula-looking text) are given as
    cells with a style or a type; openpyxl wraps the rest itself.
    """

    def __init__(self, workbook: Workbook, *, title: str, columns: Sequence[Column]):
        self.sheet: WriteOnlyWorksheet = workbook.create_sheet(title=_sheet_title(title))
        for index, column in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = column.width
        # Column widths and frozen panes must be set before the first row is written.
        self.sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.sheet, value=_clean_text(str(column.header)))
            cell.font = bold
            header.append(cell)
        self.sheet.append(header)
        # Django's own "Yes"/"No", already translated in every language.
        self._yes = gettext("Yes")
        self._no = gettext("No")

    def append(self, values: Iterable[Any]) -> None:
        self.sheet.append([self.cell(value) for value in values])

    def cell(self, value: Any) -> Any:
        """The value or cell to write for one Python value."""
        if value is None:
            return None
        if isinstance(value, Promise):
            value = str(value)
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, bool):
            return self._yes if value else self._no
        if isinstance(value, datetime):
            cell = WriteOnlyCell(self.sheet, value=excel_datetime(value))
            cell.number_format = DATETIME_FORMAT
            return cell
        if isinstance(value, date):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = DATE_FORMAT
            return cell
        if isinstance(value, int | float | Decimal):
            return value
        return self._text(str(value))

    def _text(self, value: str) -> Any:
        value = _clean_text(value)
        if not looks_like_formula(value):
            return value
        # A text cell (t="s"), never a formula (openpyxl would make "=..." one), with the
        # quote prefix: the cell stays text even when someone edits it in Excel.
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell


def write_xlsx(
    file_obj: IO[bytes],
    *,
    columns: Sequence[Column],
    rows: Iterable[Iterable[Any]],
    title: str = "",
    progress: ProgressCallback | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> int:
    """Write a one-sheet .xlsx with a bold header row and the given rows into file_obj (a
    binary file or buffer, seekable); return the number of data rows. `progress(n)` is
    called every `progress_every` rows and once at the end."""
    workbook = Workbook(write_only=True)
    writer = SheetWriter(workbook, title=title, columns=columns)
    count = 0
    for row in rows:
        writer.append(row)
        count += 1
        if progress is not None and count % progress_every == 0:
            progress(count)
    if progress is not None:
        progress(count)
    workbook.save(file_obj)
    return count


def export_file_name(stem: str) -> str:
    """A download name such as 'leads-2024-05-01-1444.xlsx' (local time)."""
    stamp = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    return f"{slugify(stem) or 'export'}-{stamp:%Y-%m-%d-%H%M}.xlsx"


def _clean_text(value: str) -> str:
    # Control characters are not allowed in the XML of a sheet (openpyxl refuses them);
    # they come in with pasted text or intake payloads.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _sheet_title(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\").strip()
    return cleaned[:31] or "Sheet1"


def chunked(rows: Iterable, size: int) -> Iterator[list]:
    """The rows in lists of `size` (the last one shorter): an export reads what its rows
    need per chunk, not per row (itertools.batched is Python 3.12's)."""
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
