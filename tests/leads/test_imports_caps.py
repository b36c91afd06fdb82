"""Every cap of an import holds, with a message in the user's language, before the file is
parsed or stored: an .xlsx is checked from its zip directory (parts, unpacked size, packing
ratio), headers and cells have lengths, a file has at most the CRM settings' rows. The
import list stays fast whatever the imports hold."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from leads.models import ImportBatch, ImportRowError
from settings_app.selectors import crm_settings

from .import_fixtures import (
    SAMPLE_XLSX,
    browser,
    post_mapping,
    post_upload,
    private_media,  # noqa: F401
    upload_file,
)

pytestmark = pytest.mark.usefixtures("private_media")
MB = 1024 * 1024


def refused(http, name: str, content: bytes) -> str:
    response = post_upload(http, upload_file(SAMPLE_XLSX, name, content))
    assert response.status_code == 400, response.status_code
    assert not ImportBatch.objects.exists()
    return response.context["form"].errors["file"][0]


def workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def repacked(content: bytes, *, replace: dict[str, bytes] = {}, add: dict[str, int] = {}):  # noqa: B006
    """The workbook with some parts replaced and parts of N zero bytes added (written in
    chunks: never N bytes in memory)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, size in add.items():
            with target.open(name, "w", force_zip64=True) as part:
                for _ in range(size // MB):
                    part.write(bytes(MB))
    return buffer.getvalue()


def test_a_workbook_whose_sheet_inflates_is_refused_before_it_is_read(manager):
    # The file in small: a header cell that unpacks to 3 MB from a few kilobytes.
    # Today it was read, and stored as the batch's header.
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>' + b"A" * (3 * MB) + b"</t>"
        b'</is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>adam@example.com</t></is>'
        b"</c></row></sheetData></worksheet>"
    )
    content = repacked(
        workbook([["E-mail"], ["adam@example.com"]]), replace={"xl/worksheets/sheet1.xml": sheet}
    )
    assert len(content) < 50_000

    message = refused(browser(manager), "bomba.xlsx", content)

    assert message.startswith("A part of the workbook is packed ")
    assert message.endswith(
        "times, far more than a sheet of data ever is, so it is not read. Save the file "
        "again from Excel, or as CSV."
    )


def test_a_workbook_part_over_100_mb_or_parts_over_200_mb_are_refused(manager):
    http = browser(manager)
    sheet = workbook([["E-mail"], ["adam@example.com"]])

    one = refused(http, "duzy.xlsx", repacked(sheet, add={"xl/media/a.bin": 101 * MB}))
    three = refused(
        http, "duze.xlsx", repacked(sheet, add={f"xl/media/{n}.bin": 70 * MB for n in range(3)})
    )

    assert one == (
        "The workbook unpacks to 101 MB, more than the 100 MB an import reads. "
        "Split it into smaller files."
    )
    assert three.startswith("The workbook unpacks to 211 MB, more than the 200 MB an import")


def test_a_workbook_of_too_many_parts_is_refused(manager):
    sheet = workbook([["E-mail"], ["adam@example.com"]])
    content = repacked(sheet, add={f"xl/media/{n}.bin": 0 for n in range(1000)})

    message = refused(browser(manager), "czesci.xlsx", content)

    assert message.startswith("The workbook is made of 1,0")
    assert message.endswith(
        "parts, more than the 1,000 an import reads. Save the sheet alone as a new .xlsx or as CSV."
    )


def test_a_header_over_200_characters_or_over_500_columns_is_refused(manager):
    http = browser(manager)
    long_header = f"E-mail;{'N' * 201}\nadam@example.com;x\n".encode()
    wide = (";".join(f"K{n}" for n in range(501)) + "\n" + "a@example.com\n").encode()

    assert refused(http, "naglowek.csv", long_header) == (
        "The header of column 2 is longer than 200 characters. The first row must hold "
        "the columns' names."
    )
    assert refused(http, "szeroki.csv", wide) == (
        "The file has 501 columns, more than the 500 an import reads. Remove the columns "
        "you do not import."
    )
    assert refused(http, "naglowek.xlsx", workbook([["E-mail", "N" * 201], ["a@example.com"]]))


def test_a_value_over_10_000_characters_makes_its_row_an_error(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    content = (
        f"E-mail;Notatka\nadam@example.com;{'x' * 10_001}\newa@example.com;{'x' * 10_000}\n"
    ).encode()
    post_upload(http, upload_file(SAMPLE_XLSX, "dlugi.csv", content))
    batch = ImportBatch.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)

    batch.refresh_from_db()
    assert (batch.rows_total, batch.rows_new, batch.rows_error) == (2, 1, 1)
    error = ImportRowError.objects.get(batch=batch)
    assert (error.row, error.column) == (2, "Notatka")
    assert error.message == (
        "The value is longer than 10,000 characters: shorten it or leave the column out."
    )


def test_a_file_over_the_settings_rows_is_refused_at_upload_naming_the_limit(manager):
    settings = crm_settings()
    settings.import_max_rows = 3
    settings.save()
    http = browser(manager)
    rows = [["E-mail"]] + [[f"osoba{n}@example.com"] for n in range(4)]
    message = (
        "The file has more than 3 rows, the most one import takes (the CRM settings' limit). "
        "Split it into smaller files."
    )

    assert refused(http, "cztery.xlsx", workbook(rows)) == message
    assert refused(http, "cztery.csv", "\n".join(r[0] for r in rows).encode()) == message

    # Three rows on four lines (a message over two lines) are three rows.
    three = 'E-mail;Wiadomość\na@example.com;"Dzień dobry,\nproszę"\nb@example.com;\nc@x.pl;\n'
    response = post_upload(http, upload_file(SAMPLE_XLSX, "trzy.csv", three.encode()))
    assert response.status_code == 302


def test_the_import_list_does_not_read_the_imports_headers_or_mapping(manager):
    http = browser(manager)
    header = ";".join(f"Kolumna {n} " + "N" * 180 for n in range(400))
    post_upload(
        http, upload_file(SAMPLE_XLSX, "szeroki.csv", f"E-mail;{header}\na@x.pl\n".encode())
    )
    assert len(ImportBatch.objects.get().headers) == 401

    with CaptureQueriesContext(connection) as queries:
        page = http.get(reverse("leads:import"))

    assert page.status_code == 200 and "szeroki.csv" in page.content.decode()
    batch_queries = [q["sql"] for q in queries if 'FROM "leads_importbatch"' in q["sql"]]
    assert batch_queries
    assert not any('"leads_importbatch"."headers"' in sql for sql in batch_queries)
    assert not any('"leads_importbatch"."mapping"' in sql for sql in batch_queries)
