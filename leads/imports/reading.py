"""Reading an uploaded table: .xlsx (openpyxl, read-only: streamed) or .csv (UTF-8, UTF-8
with a BOM or Windows-1250; `;` or `,` as the separator, sniffed).

Cells come out as text, except dates (a `date`/`datetime` cell stays one). A formula cell
is read as its text ("=HYPERLINK(...)") and never evaluated. Problems with the file as a
whole raise `ImportFileError` with a message for the user.
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
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_FILE_BYTES = 20 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
DECODE_CHUNK = 1024 * 1024
# Characters no table of contacts holds; a decoding that yields them is a wrong guess.
_CONTROL = {chr(code) for code in range(32)} - {"\t", "\n", "\r"}

MESSAGE_TOO_LARGE = gettext_lazy("The file is larger than 20 MB. Split it into smaller files.")


class ImportFileError(Exception):
    """The file cannot be read as a table; the message says why, for the user."""


Cell = str | date | datetime


@dataclass
class Table:
    """The header row and a one-pass iterator of (row number, cells) for the rows below it.
    Row numbers are the spreadsheet's (the header is row 1); empty rows are skipped."""

    headers: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    kind: str  # "xlsx" or "csv"


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


def read_table(file_obj: IO[bytes], name: str) -> Table:
    """The file's table; raises ImportFileError for an empty, oversized, corrupt or
    undecodable file, or one without a header row."""
    file_obj.seek(0, io.SEEK_END)
    check_size(file_obj.tell())
    file_obj.seek(0)
    if file_obj.read(4) == OLE_MAGIC or name.lower().endswith(".xls"):
        raise ImportFileError(
            _("The old Excel format (.xls) cannot be read: save the file as .xlsx or CSV.")
        )
    if file_kind(file_obj, name) == "xlsx":
        headers, rows = _read_xlsx(file_obj)
        kind = "xlsx"
    else:
        headers, rows = _read_csv(file_obj)
        kind = "csv"
    if not any(headers):
        raise ImportFileError(_("The file has no header row: its first row is empty."))
    return Table(headers=headers, rows=rows, kind=kind)


# Excel.


def _read_xlsx(file_obj: IO[bytes]) -> tuple[list[str], Iterator]:
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet's XML; data_only=False gives a formula's text instead
        # of a cached result (and nothing is ever evaluated).
        workbook = load_workbook(file_obj, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as error:
        raise ImportFileError(
            _("The file is not a valid Excel workbook (.xlsx). Save it again from Excel.")
        ) from error
    except Exception as error:  # openpyxl raises many kinds on a broken file
        raise ImportFileError(
            _("The file is not a valid Excel workbook (.xlsx). Save it again from Excel.")
        ) from error
    if first is None:
        workbook.close()
        raise ImportFileError(_("The file is empty: it has no rows."))
    headers = [_header(value) for value in first]
    return headers, _xlsx_rows(workbook, rows, len(headers))


def _xlsx_rows(workbook, rows, width: int) -> Iterator[tuple[int, list[Cell]]]:
    try:
        for number, values in enumerate(rows, start=2):
            cells = [_xlsx_cell(value) for value in values[:width]]
            if any(cell != "" for cell in cells):
                yield number, cells + [""] * (width - len(cells))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportFileError(
            _("The file is not a valid Excel workbook (.xlsx). Save it again from Excel.")
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


def _read_csv(file_obj: IO[bytes]) -> tuple[list[str], Iterator]:
    encoding = detect_encoding(file_obj)
    file_obj.seek(0)
    sample = file_obj.read(64 * 1024).decode(encoding, errors="ignore")
    if not sample.strip():
        raise ImportFileError(_("The file is empty."))
    reader = csv.reader(_lines(file_obj, encoding), delimiter=sniff_delimiter(sample))
    first = next(reader, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    headers = [_header(value) for value in first]
    return headers, _csv_rows(reader, len(headers))


def _lines(file_obj: IO[bytes], encoding: str) -> Iterator[str]:
    """The file's lines, decoded chunk by chunk (a TextIOWrapper would close the file
    it wraps, which the caller still needs)."""
    file_obj.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    rest = ""
    while chunk := file_obj.read(DECODE_CHUNK):
        *lines, rest = (rest + decoder.decode(chunk)).split("\n")
        for line in lines:
            yield line + "\n"
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


def _csv_rows(reader, width: int) -> Iterator[tuple[int, list[Cell]]]:
    try:
        for values in reader:
            cells = [value.strip() for value in values[:width]]
            if any(cells):
                yield reader.line_num, cells + [""] * (width - len(cells))
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file is malformed near line %(line)s.") % {"line": reader.line_num}
        ) from error


def detect_encoding(file_obj: IO[bytes]) -> str:
    """'utf-8-sig' when the whole file is UTF-8 (a BOM or not), else 'cp1250' (Windows'
    Central European) when it decodes to plain text; ImportFileError otherwise. Reads the
    file in chunks, never all of it at once."""
    for encoding in ("utf-8-sig", "cp1250"):
        if _decodes_as_text(file_obj, encoding):
            return encoding
    raise ImportFileError(
        _(
            "The encoding of the file could not be recognised. Save it as “CSV UTF-8” "
            "(or Windows-1250) and upload it again."
        )
    )


def _decodes_as_text(file_obj: IO[bytes], encoding: str) -> bool:
    file_obj.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        while chunk := file_obj.read(DECODE_CHUNK):
            if not _CONTROL.isdisjoint(decoder.decode(chunk)):
                return False
        return _CONTROL.isdisjoint(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False
    finally:
        file_obj.seek(0)


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
        while chunk := file_obj.read(DECODE_CHUNK):
            lines += chunk.count(b"\n")
        return max(lines - 1, 0)
    except Exception:  # only an estimate: a broken file is reported by read_table
        return 0
    finally:
        file_obj.seek(0)
