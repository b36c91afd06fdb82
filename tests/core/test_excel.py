"""The shared Excel writer: bold headers, widths, local-time Excel dates, and text that a
spreadsheet never runs as a formula (read back with openpyxl)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from crm.core.excel import (
    DATETIME_FORMAT,
    Column,
    export_file_name,
    looks_like_formula,
    write_xlsx,
)

FORMULA_LOOKING = [
    '=HYPERLINK("http://x")',
    "+48",
    "-5",
    "@SUM(A1)",
    "  =1+1",
    "\t=1+1",
    "\r=1+1",
    "\tplain after a tab",
]


def write(rows, columns=None, **kwargs):
    columns = columns or [Column("Name", 30), Column("When", 17)]
    buffer = io.BytesIO()
    count = write_xlsx(buffer, columns=columns, rows=rows, **kwargs)
    buffer.seek(0)
    return count, load_workbook(buffer).active


@pytest.mark.parametrize("text", FORMULA_LOOKING)
def test_formula_looking_text_is_recognised(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", ["Kowalski", "Zakup mieszkania", "600-100-200", "a=b", ""])
def test_ordinary_text_is_not_taken_for_a_formula(text):
    assert not looks_like_formula(text)


@pytest.mark.parametrize("text", FORMULA_LOOKING)
def test_formula_looking_text_is_written_as_a_text_cell(text):
    _, sheet = write([[text, None]])
    cell = sheet["A2"]
    # (Without lxml, XML reads a carriage return back as a line feed.)
    assert cell.value in {text, text.replace("\r", "\n")}
    assert cell.data_type == "s"  # a string, not "f" (formula)
    assert cell.quotePrefix  # and stays text when someone edits the cell in Excel


def test_headers_are_bold_and_columns_have_their_widths():
    _, sheet = write([], columns=[Column("Nazwa", 32), Column("Utworzono", 17)])
    assert [cell.value for cell in sheet[1]] == ["Nazwa", "Utworzono"]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["A"].width == 32
    assert sheet.column_dimensions["B"].width == 17
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize(
    ("utc", "warsaw"),
    [
        (datetime(2022, 6, 29, 12, 44, tzinfo=UTC), datetime(2022, 6, 29, 14, 44)),  # CEST
        (datetime(2022, 1, 15, 13, 44, tzinfo=UTC), datetime(2022, 1, 15, 14, 44)),  # CET
    ],
)
def test_datetimes_are_excel_dates_in_warsaw_time(utc, warsaw):
    # Whatever time zone the request has active, the file shows the office's wall clock.
    with timezone.override("America/New_York"):
        _, sheet = write([["Zakup", utc]])
    cell = sheet["B2"]
    assert cell.is_date
    assert cell.value == warsaw
    assert cell.number_format == DATETIME_FORMAT


def test_plain_dates_and_numbers_keep_their_types():
    _, sheet = write([[date(2022, 6, 29), Decimal("512000.50")], [7, 2.5]])
    assert sheet["A2"].is_date and sheet["A2"].number_format == "dd.mm.yyyy"
    assert sheet["B2"].value == 512000.5 and sheet["B2"].data_type == "n"
    assert (sheet["A3"].value, sheet["B3"].value) == (7, 2.5)


def test_booleans_are_written_as_yes_or_no_in_the_active_language():
    with translation.override("en"):
        _, sheet = write([[True, False]])
    assert (sheet["A2"].value, sheet["B2"].value) == ("Yes", "No")


def test_control_characters_are_dropped_instead_of_breaking_the_file():
    _, sheet = write([["Jan\x00 Kowal\x0bski", "<script>alert(1)</script>"]])
    assert sheet["A2"].value == "Jan Kowalski"
    assert sheet["B2"].value == "<script>alert(1)</script>"  # text is text, verbatim


def test_empty_values_stay_empty_and_rows_are_counted():
    count, sheet = write([["a", None], ["b", None]])
    assert count == 2
    assert sheet.max_row == 3
    assert sheet["B2"].value is None


def test_progress_is_reported_every_n_rows_and_at_the_end():
    seen = []
    count, _ = write(([str(n), None] for n in range(1201)), progress=seen.append)
    assert count == 1201
    assert seen == [500, 1000, 1201]


def test_sheet_title_drops_characters_excel_refuses():
    buffer = io.BytesIO()
    write_xlsx(buffer, columns=[Column("A")], rows=[], title="Leady: [maj]/czerwiec?")
    buffer.seek(0)
    assert load_workbook(buffer).sheetnames == ["Leady majczerwiec"]


def test_export_file_name_is_a_dated_slug():
    name = export_file_name("Leady ąę")
    assert name.startswith("leady-ae-")
    assert name.endswith(".xlsx")
