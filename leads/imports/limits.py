"""What an import reads at most, checked before the file is parsed (a value's length: as
its row is read), so that a small upload cannot make a web worker unpack, parse or store a
huge one.

An .xlsx is a zip: its own directory (zipfile's `infolist`) states each member's packed
and unpacked size, and zipfile never unpacks a member past its stated size (its CRC check
fails first), so the caps below hold before openpyxl reads a byte of it. (openpyxl reads
the whole shared-strings member into memory as the workbook opens: a 205 KB file whose
shared strings unpack to 200 MB took 13 s and stored 200 MB of headers.)
"""

from __future__ import annotations

import zipfile
from typing import IO, TYPE_CHECKING

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .mapping import column_label

if TYPE_CHECKING:
    from .reading import Cell  # reading imports this module

MB = 1024 * 1024
MAX_XLSX_MEMBERS = 1000
MAX_XLSX_UNPACKED = 200 * MB
MAX_XLSX_MEMBER = 100 * MB
# A sheet's XML packs some 5 to 20 times, a very repetitive one under 100; zip bombs pack
# a thousand times and more. Small members (an empty sheet) are left out of this check.
MAX_XLSX_RATIO = 100
RATIO_FROM = MB
MAX_COLUMNS = 500
MAX_HEADER_CHARS = 200
MAX_CELL_CHARS = 10_000


class LimitError(Exception):
    """The file is over one of the caps; the message says which, for the user."""


def number(value: int) -> str:
    return number_format(value, force_grouping=True)


def check_xlsx_archive(file_obj: IO[bytes]) -> None:
    """LimitError when the workbook has too many members or unpacks too big, in all or in
    one member, or packs suspiciously well; zipfile.BadZipFile when it is no zip."""
    file_obj.seek(0)
    with zipfile.ZipFile(file_obj) as archive:
        members = archive.infolist()
    file_obj.seek(0)
    if len(members) > MAX_XLSX_MEMBERS:
        raise LimitError(
            _(
                "The workbook is made of %(count)s parts, more than the %(limit)s an "
                "import reads. Save the sheet alone as a new .xlsx or as CSV."
            )
            % {"count": number(len(members)), "limit": number(MAX_XLSX_MEMBERS)}
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_XLSX_UNPACKED:
        raise LimitError(_unpacked_message(unpacked, MAX_XLSX_UNPACKED))
    for member in members:
        if member.file_size > MAX_XLSX_MEMBER:
            raise LimitError(_unpacked_message(member.file_size, MAX_XLSX_MEMBER))
        if member.file_size > RATIO_FROM and member.file_size > MAX_XLSX_RATIO * max(
            member.compress_size, 1
        ):
            raise LimitError(
                _(
                    "A part of the workbook is packed %(ratio)s times, far more than a "
                    "sheet of data ever is, so it is not read. Save the file again from "
                    "Excel, or as CSV."
                )
                % {"ratio": number(member.file_size // max(member.compress_size, 1))}
            )


def _unpacked_message(size: int, limit: int) -> str:
    return _(
        "The workbook unpacks to %(size)s MB, more than the %(limit)s MB an import reads. "
        "Split it into smaller files."
    ) % {"size": number(-(-size // MB)), "limit": number(limit // MB)}


def check_headers(headers: list[str]) -> None:
    """LimitError for a header row too wide or with a header too long (a first row that
    is no header row, or a hostile file: the headers are stored with the import)."""
    if len(headers) > MAX_COLUMNS:
        raise LimitError(
            _(
                "The file has %(count)s columns, more than the %(limit)s an import reads. "
                "Remove the columns you do not import."
            )
            % {"count": number(len(headers)), "limit": number(MAX_COLUMNS)}
        )
    for index, header in enumerate(headers, start=1):
        if len(header) > MAX_HEADER_CHARS:
            raise LimitError(
                _(
                    "The header of column %(column)s is longer than %(limit)s characters. "
                    "The first row must hold the columns' names."
                )
                % {"column": index, "limit": number(MAX_HEADER_CHARS)}
            )


def too_many_rows_message(limit: int) -> str:
    return _(
        "The file has more than %(limit)s rows, the most one import takes (the CRM "
        "settings' limit). Split it into smaller files."
    ) % {"limit": number(limit)}


def long_cells(cells: list[Cell], headers: list[str]) -> list[tuple[str, str]]:
    """(column, message) for each value over the cells' length limit."""
    return [
        (column_label(headers, index), cell_too_long_message())
        for index, cell in enumerate(cells)
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS
    ]


def cell_too_long_message() -> str:
    return _(
        "The value is longer than %(limit)s characters: shorten it or leave the column out."
    ) % {"limit": number(MAX_CELL_CHARS)}
