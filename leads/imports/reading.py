"""Reading an uploaded table: .xlsx (openpyxl, read-only: streamed) or .csv (UTF-8,
Windows-1250 or ISO-8859-2, recognised by charset-normalizer or chosen by the manager, see
`encodings`; `;` or `,` as the separator, sniffed).

Cells come out as text, except dates (a `date`/`datetime` cell stays one). A formula cell
is read as its text ("=HYPERLINK(...)") and never evaluated. Problems with the file as a
whole raise `ImportFileError` with a message for the user. At upload (a `max_rows` given)
the caps of `limits` are checked before the file is parsed, a CSV must be clean in its
encoding, and a file with more rows than the CRM settings allow is refused.

Every row of the file comes out, so that the import accounts for each: a CSV row whose
unclosed quotation mark swallowed the lines after it comes out with a problem, and so does
each line it swallowed.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .encodings import CHUNK, ENCODINGS, EncodingError, check_clean, codec, detect_encoding
from .encodings import encoding_label as _label
from .limits import (
    MAX_COLUMNS,
    LimitError,
    check_headers,
    check_xlsx_archive,
    too_many_rows_message,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls

MESSAGE_TOO_LARGE = gettext_lazy("The file is larger than 20 MB. Split it into smaller files.")


class ImportFileError(Exception):
    """The file cannot be read as a table; the message says why, for the user."""


Cell = str | date | datetime
# A row as read: its number (the spreadsheet's, or the CSV's line where it starts), its
# cells, and what broke it in the file ("" when nothing did).
SheetRow = tuple[int, list[Cell], str]


@dataclass
class Table:
    """The header row and a one-pass iterator of the rows below it. Row numbers are the
    spreadsheet's (the header is row 1); empty rows are skipped."""

    headers: list[str]
    rows: Iterator[SheetRow]
    kind: str  # "xlsx" or "csv"
    encoding: str = ""  # a CSV's (a key of encodings.ENCODINGS)


def file_kind(file_obj: IO[bytes], name: str) -> str:
    """'xlsx' for a ZIP container (or a .xlsx name), else 'csv'."""
    file_obj.seek(0)
    start = file_obj.read(4)
    file_obj.seek(0)
    if start == ZIP_MAGIC or name.lower().endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def check_size(size: int) -> None:
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    if size > MAX_FILE_BYTES:
        raise ImportFileError(str(MESSAGE_TOO_LARGE))


def read_table(
    file_obj: IO[bytes],
    name: str,
    *,
    encoding: str | None = None,
    max_rows: int | None = None,
) -> Table:
    """The file's table; raises ImportFileError for an empty, oversized, corrupt or
    undecodable file, or one without a header row. A CSV is read in `encoding`, or in the
    one recognised when None. With `max_rows` (an upload, or another encoding chosen) the
    file is verified: the caps are checked first, the CSV must be clean in its encoding,
    and a file of more than `max_rows` rows is refused."""
    verify = max_rows is not None
    file_obj.seek(0, io.SEEK_END)
    check_size(file_obj.tell())
    file_obj.seek(0)
    if file_obj.read(4) == OLE_MAGIC or name.lower().endswith(".xls"):
        raise ImportFileError(
            _("The old Excel format (.xls) cannot be read: save the file as .xlsx or CSV.")
        )
    kind = file_kind(file_obj, name)
    try:
        if kind == "xlsx" and verify:
            _check_archive(file_obj)
        if kind == "csv":
            if encoding is None:
                encoding = detect_encoding(file_obj)
            elif encoding not in ENCODINGS:
                raise ImportFileError(_("Choose one of the encodings offered."))
            if verify:
                lines = check_clean(file_obj, encoding)
        headers, rows, bound = _open(file_obj, kind, encoding)
        if kind == "csv" and verify:
            bound = lines - 1  # a row takes a line at least
        if verify:
            try:
                check_headers(headers)
            except LimitError:
                rows.close()
                raise
    except (EncodingError, LimitError) as error:
        raise ImportFileError(str(error)) from error
    if verify and (bound is None or bound > max_rows):
        # The cheap bound (the sheet's stated size, the CSV's lines) says it may be over:
        # count the rows themselves, stopping past the limit, then read them from the top.
        counted = sum(1 for _row in islice(rows, max_rows + 1))
        rows.close()
        if counted > max_rows:
            raise ImportFileError(too_many_rows_message(max_rows))
        headers, rows, _bound = _open(file_obj, kind, encoding)
    return Table(headers=headers, rows=rows, kind=kind, encoding=encoding or "")


def _check_archive(file_obj: IO[bytes]) -> None:
    try:
        check_xlsx_archive(file_obj)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportFileError(_not_xlsx_message()) from error


def _not_xlsx_message() -> str:
    return _("The file is not a valid Excel workbook (.xlsx). Save it again from Excel.")


def _open(file_obj: IO[bytes], kind: str, encoding: str | None):
    """(headers, rows, an upper bound of the rows' count or None). `encoding` is a CSV's
    (known by now), None for an .xlsx."""
    if kind == "xlsx":
        headers, rows, bound = _read_xlsx(file_obj)
    else:
        headers, rows = _read_csv(file_obj, encoding)
        bound = None
    if not any(headers):
        rows.close()
        raise ImportFileError(_("The file has no header row: its first row is empty."))
    return headers, rows, bound


# Excel.


def _read_xlsx(file_obj: IO[bytes]) -> tuple[list[str], Iterator[SheetRow], int | None]:
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet's XML; data_only=False gives a formula's text instead
        # of a cached result (and nothing is ever evaluated).
        workbook = load_workbook(file_obj, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        stated_rows, stated_columns = sheet.max_row, sheet.max_column
        # Read past the size the sheet states, which some writers get wrong: openpyxl
        # would silently stop at it.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
    except Exception as error:  # openpyxl raises many kinds on a broken file
        raise ImportFileError(_not_xlsx_message()) from error
    if first is None:
        workbook.close()
        raise ImportFileError(_("The file is empty: it has no rows."))
    headers = [_header(value) for value in first]
    if stated_columns and len(headers) < stated_columns <= MAX_COLUMNS:
        # Columns without a header the sheet says it has stay mappable ("Column 12").
        headers += [""] * (stated_columns - len(headers))
    bound = stated_rows - 1 if stated_rows else None
    return headers, _xlsx_rows(workbook, rows, len(headers)), bound


def _xlsx_rows(workbook, rows, width: int) -> Iterator[SheetRow]:
    number = 1
    try:
        for number, values in enumerate(rows, start=2):  # noqa: B007 (read in except)
            cells = [_xlsx_cell(value) for value in values[:width]]
            if any(cell != "" for cell in cells):
                yield number, cells + [""] * (width - len(cells)), ""
    except Exception as error:  # a damaged part, or a value openpyxl cannot convert
        raise ImportFileError(
            _(
                "The workbook cannot be read from row %(row)s on: the file is damaged or "
                "holds a value Excel does not write (such as a date out of range). Save it "
                "again from Excel."
            )
            % {"row": number + 1}
        ) from error
    finally:
        workbook.close()


def _xlsx_cell(value: Any) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value if value.time() != time(0) else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # A phone typed as a number: 600100200.0 is "600100200".
        return str(int(value)) if value.is_integer() else str(Decimal(str(value)))
    return str(value).strip()


def _header(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


# CSV.


def _read_csv(file_obj: IO[bytes], encoding: str) -> tuple[list[str], Iterator[SheetRow]]:
    name = codec(encoding)
    file_obj.seek(0)
    sample = file_obj.read(64 * 1024).decode(name, errors="ignore")
    if not sample.strip():
        raise ImportFileError(_("The file is empty."))
    delimiter = sniff_delimiter(sample)
    feed = _Feed(_lines(file_obj, name))
    reader = csv.reader(feed, delimiter=delimiter)
    try:
        first = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as error:
        raise ImportFileError(_unreadable_message(encoding, reader.line_num + 1)) from error
    if first is None:
        raise ImportFileError(_("The file is empty."))
    feed.taken.clear()
    headers = [_header(value) for value in first]
    return headers, _csv_rows(reader, feed, len(headers), delimiter, encoding)


class _Feed:
    """The file's lines to csv.reader, remembering the lines each record took."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines
        self.taken: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        return line


def _lines(file_obj: IO[bytes], encoding: str) -> Iterator[str]:
    """The file's lines, decoded chunk by chunk (a TextIOWrapper would close the file
    it wraps, which the caller still needs)."""
    file_obj.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    rest = ""
    while chunk := file_obj.read(CHUNK):
        *lines, rest = (rest + decoder.decode(chunk)).split("\n")
        for line in lines:
            yield line + "\n"
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


def _csv_rows(reader, feed: _Feed, width: int, delimiter: str, encoding: str):
    line = reader.line_num
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            taken, feed.taken = feed.taken, []
            if len(taken) > 1 and _swallowed(values, taken, width, delimiter):
                yield from _swallowing(taken, start, width, delimiter)
                continue
            cells = [value.strip() for value in values[:width]]
            if any(cells):
                yield start, cells + [""] * (width - len(cells)), ""
    except UnicodeDecodeError as error:
        raise ImportFileError(_unreadable_message(encoding, line + 1)) from error
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file is malformed near line %(line)s.") % {"line": reader.line_num}
        ) from error


def _swallowed(values: list[str], taken: list[str], width: int, delimiter: str) -> bool:
    """Whether a record over several lines is a quotation mark left open rather than a
    value with line breaks. A value with line breaks is quoted properly: its lines read
    again strictly parse (a quote left open runs to the end of the file, or is "closed" by
    a quotation mark of a later row that no separator follows), into no more values than
    the header has."""
    if len(values) > width:
        return True
    try:
        for _record in csv.reader(taken, delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _swallowing(taken: list[str], start: int, width: int, delimiter: str):
    """The record's first line, and each line it swallowed, as rows with their problem."""
    last = start + len(taken) - 1
    problem = _(
        "A quotation mark in this row is never closed: the lines after it, up to line "
        "%(last)s, were read into it. Close or remove the quotation mark and import these "
        "rows again."
    ) % {"last": last}
    yield start, _split(taken[0], width, delimiter), problem
    for number, text in enumerate(taken[1:], start=start + 1):
        cells = _split(text, width, delimiter)
        if any(cells):
            message = _(
                "This row was read into row %(row)s, whose quotation mark is never closed."
            ) % {"row": start}
            yield number, cells, message


def _split(text: str, width: int, delimiter: str) -> list[Cell]:
    """One line's cells on its own (for the rejected rows' file)."""
    values = next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter), [])
    cells: list[Cell] = [value.strip() for value in values[:width]]
    return cells + [""] * (width - len(cells))


def _unreadable_message(encoding: str, line: int) -> str:
    return _(
        "The file cannot be read as %(encoding)s from line %(line)s on. Choose its encoding "
        "on the mapping page, or upload it again."
    ) % {"encoding": _label(encoding), "line": line}


def sniff_delimiter(sample: str) -> str:
    """';' or ',' (or a tab): csv.Sniffer on the first lines, else the more frequent of
    ';' and ',' in the header line."""
    try:
        return csv.Sniffer().sniff(sample[: 16 * 1024], delimiters=";,\t").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return ";" if header.count(";") >= header.count(",") else ","


def estimate_rows(file_obj: IO[bytes], name: str) -> int:
    """About how many rows below the header the file has, for a progress bar before the
    rows are read: the sheet's stated dimension, or the CSV's line breaks. 0 if unknown."""
    try:
        if file_kind(file_obj, name) == "xlsx":
            from openpyxl import load_workbook

            workbook = load_workbook(file_obj, read_only=True)
            try:
                return max((workbook.worksheets[0].max_row or 1) - 1, 0)
            finally:
                workbook.close()
        lines = 0
        file_obj.seek(0)
        while chunk := file_obj.read(CHUNK):
            lines += chunk.count(b"\n")
        return max(lines - 1, 0)
    except Exception:  # only an estimate: a broken file is reported by read_table
        return 0
    finally:
        file_obj.seek(0)
