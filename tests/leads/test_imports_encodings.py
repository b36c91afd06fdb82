"""Imports never lose data silently: a CSV is read only in an encoding it is clean in (the
one charset-normalizer recognises, or the one the manager chooses on the mapping page),
every row of the file is accounted for (imported, a duplicate or an error) even when an
unclosed quotation mark swallowed some, and a failed import says what happened in the
user's words, never with a Python class name."""

from __future__ import annotations

import io
import re
import struct
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook

from leads.models import ImportBatch, ImportRowError, ImportStatus, Lead
from tests.factories import source

from .import_fixtures import (
    SAMPLE_CP1250,
    browser,
    post_mapping,
    private_media,  # noqa: F401
    upload_file,
)

pytestmark = pytest.mark.usefixtures("private_media")

PYTHON_NAMES = re.compile(r"[A-Za-z]*(Error|Exception)\b|BadZipFile|Errno|Traceback|\berror:")
COUNTED = (
    "rows_new", "rows_linked", "rows_duplicate_file", "rows_duplicate_db", "rows_error",
)  # fmt: skip


def upload(http, name: str, content: bytes, encoding: str = ""):
    data = {"file": upload_file(SAMPLE_CP1250, name, content), "source": source("www").pk}
    return http.post(reverse("leads:import"), {**data, "encoding": encoding})


def dry_run(http, batch, capture) -> ImportBatch:
    with capture(execute=True):
        response = post_mapping(http, batch)
    assert response.status_code == 302, response.content.decode()[:2000]
    batch.refresh_from_db()
    return batch


def imported(http, batch, capture) -> ImportBatch:
    with capture(execute=True):
        http.post(reverse("leads:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    return batch


def data_rows(content: bytes) -> int:
    """The file's non-empty lines below the header: the rows a person sees in it."""
    return sum(1 for line in content.splitlines()[1:] if line.strip())


# The encoding.


def test_a_utf8_file_with_one_stray_byte_is_refused_with_the_line_of_that_byte(manager):
    content = "Imię;Nazwisko;E-mail\nJan;Kowalski;jan@example.com\n".encode()
    content += b"Anna;Zaj\xb3c;anna@example.com\n"  # one Windows-1250 "ł" in a UTF-8 file
    content += "Żaneta;Łącka;zaneta@example.com\n".encode()

    response = upload(browser(manager), "jeden-bajt.csv", content)

    assert response.status_code == 400
    message = response.context["form"].errors["file"][0]
    assert message.startswith("The file is not clean UTF-8 text: line 3 holds bytes")
    assert not ImportBatch.objects.exists()


def test_the_first_ten_lines_of_bad_bytes_are_named_and_the_rest_counted(manager):
    lines = ["Imię;E-mail".encode()]
    lines += [f"Łucja{n};o{n}@example.com".encode() for n in range(2, 32)]
    for number in range(5, 28, 2):  # 12 lines with a Windows-1250 "Ł"
        lines[number - 1] = lines[number - 1].replace("Ł".encode(), b"\xa3")

    response = upload(browser(manager), "wiele.csv", b"\n".join(lines) + b"\n")

    assert (
        response.context["form"]
        .errors["file"][0]
        .startswith(
            "The file is not clean UTF-8 text: lines 5, 7, 9, 11, 13, 15, 17, 19, 21, 23 and 2 "
            "more lines hold bytes that are not characters of that encoding."
        )
    )


def test_a_latin2_file_imports_its_polish_letters(manager, django_capture_on_commit_callbacks):
    http = browser(manager)
    content = "Imię;Nazwisko;E-mail\nŹdźbło;Świątek;zdzislaw@example.com\n".encode("iso-8859-2")
    assert upload(http, "latin2.csv", content).status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.encoding == "iso-8859-2"
    page = http.get(reverse("leads:import_mapping", args=[batch.pk])).content.decode()
    assert "The file is read as <strong>ISO-8859-2 (Latin-2)</strong>" in page

    imported(http, dry_run(http, batch, django_capture_on_commit_callbacks),
             django_capture_on_commit_callbacks)  # fmt: skip

    lead = Lead.objects.get()
    assert (lead.contact_first_name, lead.contact_last_name) == ("Źdźbło", "Świątek")


def test_the_manager_reads_the_file_in_another_encoding_on_the_mapping_page(manager):
    http = browser(manager)
    content = "Imię;Nazwisko;E-mail\nŹdźbło;Świątek;zdzislaw@example.com\n".encode("iso-8859-2")
    upload(http, "latin2.csv", content)
    batch = ImportBatch.objects.get()
    url = reverse("leads:import_encoding", args=[batch.pk])

    # Windows-1250 reads these bytes cleanly, but as other letters: the manager sees them.
    assert http.post(url, {"encoding": "cp1250"}).status_code == 302
    form = http.get(reverse("leads:import_mapping", args=[batch.pk])).context["form"]
    assert form["column_0"].help_text == "For example: ¬dĽbło"
    batch.refresh_from_db()
    assert batch.encoding == "cp1250" and batch.mapping["0"] == "first_name"

    # UTF-8 does not read them at all: refused with the line, the encoding unchanged.
    response = http.post(url, {"encoding": "utf-8"})

    assert response.status_code == 400
    error = response.context["encoding_form"].errors["encoding"][0]
    assert error.startswith("The file is not clean UTF-8 text: lines 1, 2 hold bytes")
    batch.refresh_from_db()
    assert batch.encoding == "cp1250"
    assert http.post(url, {"encoding": "iso-8859-2"}).status_code == 302
    form = http.get(reverse("leads:import_mapping", args=[batch.pk])).context["form"]
    assert form["column_0"].help_text == "For example: Źdźbło"


def test_a_windows_1250_file_is_not_clean_latin2_and_is_never_read_as_it(manager):
    # "ś" is 0x9C in Windows-1250: a control character in ISO-8859-2.
    content = "Imię;E-mail\nJaś;jas@example.com\nOla;ola@example.com\n".encode("cp1250")
    http = browser(manager)

    response = upload(http, "jas.csv", content, encoding="iso-8859-2")

    assert response.status_code == 400
    assert "line 2 holds bytes" in response.context["form"].errors["file"][0]
    assert upload(http, "jas.csv", content).status_code == 302  # recognised: Windows-1250
    assert ImportBatch.objects.get().encoding == "cp1250"


def test_only_the_owner_changes_the_encoding_and_only_by_post(manager, branch):
    from crm.core.models import Role
    from tests.factories import UserFactory

    http = browser(manager)
    upload(http, "latin2.csv", "Imię;E-mail\nŹdźbło;z@example.com\n".encode("iso-8859-2"))
    url = reverse("leads:import_encoding", args=[ImportBatch.objects.get().pk])
    colleague = browser(UserFactory(role=Role.MANAGER, branch=branch))

    assert http.get(url).status_code == 405
    assert colleague.post(url, {"encoding": "cp1250"}).status_code == 404
    assert ImportBatch.objects.get().encoding == "iso-8859-2"


# Every row is accounted for.


@pytest.mark.parametrize(
    "bad_row, swallowed",
    [
        # Never closed: it swallows every row to the end (line 5 is empty: no row).
        ('Adam;"Zły;adam@example.com;600100201', [4, 6]),
        # "Closed" by the quotation mark of the next row, whose rest goes on the record.
        ('Adam;"Zły;adam@example.com;600100201\nEwa;"Nowak;ewa@example.com;600100202', [4]),
    ],
    ids=["open-to-the-end", "closed-by-the-next-row"],
)
def test_an_unclosed_quote_reports_the_rows_it_swallowed_and_every_row_is_counted(
    manager, bad_row, swallowed, django_capture_on_commit_callbacks
):
    content = (
        "Imię;Nazwisko;E-mail;Telefon\n"
        "Jan;Kowalski;jan@example.com;600100200\n"
        f"{bad_row}\n"
        "Ola;Lis;ola@example.com;600100203\n"
        "\n"
        "Piotr;Kot;piotr@example.com;600100204\n"
    ).encode()
    http = browser(manager)
    upload(http, "cudzyslow.csv", content)

    batch = dry_run(http, batch := ImportBatch.objects.get(), django_capture_on_commit_callbacks)

    rows = data_rows(content)
    assert batch.rows_total == rows
    assert sum(getattr(batch, name) for name in COUNTED) == rows
    errors = ImportRowError.objects.filter(batch=batch).order_by("row")
    assert errors[0].row == 3 and errors[0].message.startswith(
        "A quotation mark in this row is never closed: the lines after it, up to line"
    )
    assert [error.row for error in errors[1:]] == swallowed
    assert all("whose quotation mark is never closed" in e.message for e in errors[1:])
    assert batch.rows_new == rows - 1 - len(swallowed)
    page = http.get(batch.get_absolute_url()).content.decode()
    assert "A quotation mark in this row is never closed" in page

    batch = imported(http, batch, django_capture_on_commit_callbacks)

    assert batch.rows_imported + batch.rows_duplicate_file + batch.rows_error == rows
    assert Lead.objects.count() == batch.rows_imported == rows - 1 - len(swallowed)


def test_a_message_over_two_lines_is_one_row_not_a_swallowing_quote(
    manager, django_capture_on_commit_callbacks
):
    content = (
        "Imię;Wiadomość;E-mail\n"
        'Jan;"Dzień dobry,\nproszę o ofertę; dziękuję";jan@example.com\n'
        '"Ola\nLis";Hej;ola@example.com\n'
    ).encode()
    http = browser(manager)
    upload(http, "wiersze.csv", content)
    batch = dry_run(http, ImportBatch.objects.get(), django_capture_on_commit_callbacks)
    assert (batch.rows_total, batch.rows_new, batch.rows_error) == (2, 2, 0)

    imported(http, batch, django_capture_on_commit_callbacks)

    assert Lead.objects.get(contact_email="jan@example.com").message == (
        "Dzień dobry,\nproszę o ofertę; dziękuję"
    )


def test_a_workbook_that_understates_its_size_is_read_to_its_last_row(
    manager, django_capture_on_commit_callbacks
):
    book = Workbook()
    for row in (["E-mail"], ["a@example.com"], ["b@example.com"], ["c@example.com"]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    understated = io.BytesIO()
    with zipfile.ZipFile(understated, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:A4"/>' in data
                data = data.replace(b'<dimension ref="A1:A4"/>', b'<dimension ref="A1:A2"/>')
            target.writestr(info, data)
    http = browser(manager)
    assert upload(http, "krotki.xlsx", understated.getvalue()).status_code == 302

    batch = dry_run(http, ImportBatch.objects.get(), django_capture_on_commit_callbacks)

    assert (batch.rows_total, batch.rows_new) == (3, 3)


# A failure reads as a sentence.


def damaged_workbook() -> bytes:
    """A workbook whose sheet is damaged after its first rows: the upload (which reads
    the header row) accepts it, the dry run meets the damage."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Imię", "E-mail"])
    for n in range(3000):
        sheet.append([f"Osoba {n} {n * 7919 % 104729}", f"osoba{n}@example.com"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = bytearray(buffer.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 :][:4])
    start = info.header_offset + 30 + name_length + extra_length
    middle = start + info.compress_size // 2
    data[middle : middle + 64] = b"\xff" * 64
    return bytes(data)


def test_a_damaged_workbook_fails_with_a_sentence_not_a_class_name(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    assert upload(http, "uszkodzony.xlsx", damaged_workbook()).status_code == 302
    batch = ImportBatch.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert re.fullmatch(
        r"The workbook cannot be read from row \d+ on: the file is damaged or holds a value "
        r"Excel does not write \(such as a date out of range\)\. Save it again from Excel\.",
        batch.error,
    )
    text = http.get(batch.get_absolute_url()).content.decode()
    assert batch.error in text
    assert not PYTHON_NAMES.search(batch.error)


def test_a_file_gone_from_storage_fails_with_a_sentence_not_a_class_name(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    upload(http, "dane.csv", b"E-mail\nadam@example.com\n")
    batch = ImportBatch.objects.get()
    batch.file.storage.delete(batch.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)

    batch.refresh_from_db()
    assert batch.error == "The uploaded file can no longer be read. Upload it again."
    assert batch.error in http.get(batch.get_absolute_url()).content.decode()
    assert not PYTHON_NAMES.search(batch.error)
