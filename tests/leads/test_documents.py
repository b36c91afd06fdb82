"""Notes and documents on a lead: an advisor writes a note with an attachment or uploads a
file, finds every file under Documents, downloads it (only they and those who may see the
lead), and deletes it; files are checked from their content, their names cleaned, and
never reachable but through the download view."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import translation

from leads.models import DeletionReason, Document, FailureReason, IntakeOutcome, Lead, Note
from leads.services.documents import document_delete, document_upload, note_create
from leads.services.pipeline import lead_mark_failed
from leads.uploads import DOCUMENT_MAX_SIZE, filename_sanitize, sniff
from leads.views.documents import attachment_header
from settings_app.models import CRMSettings
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The services' refusals read in English here, whatever an earlier test in this
    process left active (the test settings' language is Polish)."""
    with translation.override("en"):
        yield


PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
DOCM = zip_of(
    {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"<w:document/>",
        "word/vbaProject.bin": b"macro",
    }
)
ODT = zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


def xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Cena"
    workbook.save(buffer)
    return buffer.getvalue()


def ole2(stream: str) -> bytes:
    """A compound file (as Word and Excel 97-2003 write) whose directory holds `stream`."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\x00")
    root = "Root Entry\0".encode("utf-16-le").ljust(64, b"\x00")
    root += (22).to_bytes(2, "little") + b"\x05" + b"\x00" * 61
    name = (stream + "\0").encode("utf-16-le")
    entry = name.ljust(64, b"\x00") + len(name).to_bytes(2, "little") + b"\x02" + b"\x00" * 61
    return header + root + entry + b"\x00" * 256


def upload(name: str = "umowa.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Files go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def lead(advisor) -> Lead:
    return LeadFactory(name="Dom w Suchym Lesie", branch=advisor.branch, employees=[advisor])


@pytest.fixture
def other_lead(advisor) -> Lead:
    return LeadFactory(name="Kawalerka", branch=advisor.branch, employees=[advisor])


def tab(web, lead: Lead, **query):
    return web.get(reverse("leads:tab", args=[lead.pk, "documents"]), query, HTTP_HX_REQUEST="true")


def download_url(document: Document, lead: Lead | None = None) -> str:
    return reverse("leads:document_download", args=[(lead or document.lead).pk, document.pk])


def delete_url(document: Document, lead: Lead | None = None) -> str:
    return reverse("leads:document_delete", args=[(lead or document.lead).pk, document.pk])


def body(response) -> bytes:
    content = b"".join(response.streaming_content)
    response.close()
    return content


# -- A note with an attachment, on the tab and downloaded ------------------------------------


def test_note_with_a_pdf_appears_under_documents_and_downloads(web, advisor, lead, media):
    response = web.post(
        reverse("leads:note_create", args=[lead.pk]),
        {"note-text": "Klient przysłał skan umowy.", "note-file": upload("Umowa łódź.pdf")},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{lead.get_absolute_url()}?tab=documents"
    note = Note.objects.get(lead=lead)
    document = Document.objects.get(lead=lead)
    assert (note.text, note.created_by, document.note) == (
        "Klient przysłał skan umowy.",
        advisor,
        note,
    )
    assert (document.original_name, document.content_type, document.size) == (
        "Umowa łódź.pdf",
        "application/pdf",
        len(PDF),
    )
    assert document.uploaded_by == advisor

    page = tab(web, lead).text
    notes, files = page.split('id="lead-files-heading"')
    assert "Klient przysłał skan umowy." in notes and "Umowa łódź.pdf" in notes
    assert "Umowa łódź.pdf" in files and download_url(document) in files
    assert "Anna Wiśniewska" in files and "note attachment" in files

    response = web.get(download_url(document))
    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Umowa lodz.pdf\"; filename*=UTF-8''Umowa%20%C5%82%C3%B3d%C5%BA.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_uploaded_on_its_own_is_listed_and_stored_under_a_random_name(
    web, advisor, lead, media
):
    response = web.post(
        reverse("leads:document_upload", args=[lead.pk]),
        {"document-file": upload("rzut.png", PNG, "application/octet-stream")},
    )

    assert response.status_code == 302
    document = Document.objects.get(lead=lead, note=None)
    # The type comes from the bytes, not from what the browser said.
    assert document.content_type == "image/png"
    assert "rzut" not in document.file.name and not document.file.name.endswith(".png")
    assert len(Path(document.file.name).name) >= 32
    assert [path.read_bytes() for path in stored_files(media)] == [PNG]
    assert "rzut.png" in tab(web, lead).text


def test_the_tab_reads_a_files_size_in_kilobytes_in_the_readers_language(web, lead, media):
    scan = PDF + b"%" * (12_600 - len(PDF))
    web.post(
        reverse("leads:document_upload", args=[lead.pk]),
        {"document-file": upload("skan.pdf", scan)},
    )
    assert '<td class="documents__size">12.3\xa0kB</td>' in tab(web, lead).text
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "pl"  # the same page for a Polish reader
    assert '<td class="documents__size">12,3\xa0kB</td>' in tab(web, lead).text


def test_the_tab_shows_empty_states_and_both_forms(web, lead, media):
    page = tab(web, lead).text

    assert "No notes yet." in page and "No files yet." in page
    assert 'enctype="multipart/form-data"' in page
    assert 'id="id_note-text"' in page and 'id="id_document-file"' in page
    assert 'accept=".pdf,.png' in page


def test_the_action_bar_leads_to_the_forms(web, lead):
    page = web.get(lead.get_absolute_url()).text
    assert f'href="{lead.get_absolute_url()}?tab=documents#note-form"' in page
    assert f'href="{lead.get_absolute_url()}?tab=documents#document-form"' in page


def test_notes_come_newest_first_with_author_and_time(web, advisor, teammate, lead, media):
    lead.employees.add(teammate)
    note_create(lead=lead, text="Pierwsza notatka", upload=None, user=teammate)
    note_create(lead=lead, text="Druga notatka", upload=None, user=advisor)

    page = tab(web, lead).text

    assert page.index("Druga notatka") < page.index("Pierwsza notatka")
    assert "Piotr Zieliński" in page


# -- Size and type, from the content -------------------------------------------------------


def test_a_file_of_exactly_10_mb_is_accepted(advisor, lead, media):
    content = PDF + b"\x00" * (DOCUMENT_MAX_SIZE - len(PDF))

    document = document_upload(lead=lead, upload=upload(content=content), user=advisor)

    assert document.size == DOCUMENT_MAX_SIZE == 10 * 1024 * 1024


def test_a_file_of_10_mb_and_1_byte_is_refused_and_nothing_is_stored(web, lead, media):
    content = PDF + b"\x00" * (DOCUMENT_MAX_SIZE + 1 - len(PDF))

    response = web.post(
        reverse("leads:note_create", args=[lead.pk]),
        {"note-text": "Za duży plik", "note-file": upload(content=content)},
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["file"] == [
        "The file is larger than 10 MB (it has 10,485,761 bytes); choose a smaller one."
    ]
    assert 'class="field field--error"' in response.text
    # The note's text is kept for another try.
    assert "Za duży plik" in response.text
    assert not Note.objects.exists() and not Document.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("program", [WINDOWS_PROGRAM, LINUX_PROGRAM], ids=["exe", "elf"])
def test_a_pdf_that_is_a_program_is_refused(web, lead, media, program):
    response = web.post(
        reverse("leads:document_upload", args=[lead.pk]),
        {"document-file": upload("faktura.pdf", program)},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "This file is a program, not a document; it cannot be added."
    ]
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_a_file_whose_extension_disagrees_with_its_content_is_refused(advisor, lead, media):
    with pytest.raises(ValidationError) as refused:
        document_upload(lead=lead, upload=upload("skan.pdf", PNG), user=advisor)

    assert refused.value.message_dict["file"] == [
        "The file is named “.pdf” but it is a PNG file. "
        "Rename it to “.png” or choose the right file."
    ]
    assert stored_files(media) == []


def test_a_name_without_an_extension_gets_the_one_of_its_content(advisor, lead, media):
    document = document_upload(lead=lead, upload=upload("skan", JPEG), user=advisor)
    assert (document.original_name, document.content_type) == ("skan.jpg", "image/jpeg")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"just some text\n", "notatka.txt"),
        (b"<html><script>alert(1)</script></html>", "strona.html"),
        (DOCM, "makro.docx"),
        (ole2("\x05SummaryInformation"), "instalator.doc"),
        (b"PK\x03\x04 not really a zip", "zepsuty.docx"),
    ],
    ids=["text", "html", "macro-document", "other-compound-file", "broken-zip"],
)
def test_a_file_of_an_unknown_type_is_refused(advisor, lead, media, content, name):
    with pytest.raises(ValidationError) as refused:
        document_upload(lead=lead, upload=upload(name, content), user=advisor)

    assert refused.value.message_dict["file"] == [
        "This type of file is not allowed. Allowed: PDF documents, images (PNG, JPEG, GIF, "
        "WebP), office documents (DOCX, XLSX, DOC, XLS, ODT, ODS)."
    ]


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (PDF, "a.pdf", "application/pdf"),
        (PNG, "a.png", "image/png"),
        (JPEG, "a.jpeg", "image/jpeg"),
        (GIF, "a.gif", "image/gif"),
        (WEBP, "a.webp", "image/webp"),
        (DOCX, "a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xlsx(), "a.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ODT, "a.odt", "application/vnd.oasis.opendocument.text"),
        (ole2("WordDocument"), "a.doc", "application/msword"),
        (ole2("Workbook"), "a.xls", "application/vnd.ms-excel"),
    ],
)
def test_the_allowed_types_are_told_from_their_content(
    advisor, lead, media, content, name, content_type
):
    assert sniff(io.BytesIO(content)).content_type == content_type
    document = document_upload(lead=lead, upload=upload(name, content, "text/plain"), user=advisor)
    assert document.content_type == content_type


def test_the_settings_choose_the_allowed_types(advisor, lead, media):
    row = CRMSettings.get_solo()
    row.documents_allow_images = False
    row.documents_allow_office = False
    row.save()

    with pytest.raises(ValidationError) as refused:
        document_upload(lead=lead, upload=upload("rzut.png", PNG), user=advisor)
    assert refused.value.message_dict["file"] == [
        "This type of file is not allowed. Allowed: PDF documents."
    ]
    assert document_upload(lead=lead, upload=upload(), user=advisor).content_type == (
        "application/pdf"
    )


def test_an_empty_file_is_refused(web, lead, media):
    response = web.post(
        reverse("leads:document_upload", args=[lead.pk]),
        {"document-file": upload("pusty.pdf", b"")},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["The file is empty."]


# -- File names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\anna\\Pulpit\\umowa.pdf", "umowa.pdf"),
        ("..\\..\\windows/system32\\umowa.pdf", "umowa.pdf"),
        ("umo\x00wa\x07.pdf", "umowa.pdf"),
        ("faktura\u202efdp.exe", "fakturafdp.exe"),
        ("\u2066skan\u2069 \u202a1\u202c.pdf", "skan 1.pdf"),
        ("rzut\tparteru\nA.pdf", "rzut parteru A.pdf"),
        ("...ukryty.pdf", "ukryty.pdf"),
        ("\x00\u202e", "document"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
        ("Umowa v2.final wersja", "Umowa v2.final wersja"),
    ],
)
def test_file_names_are_cleaned(name, clean):
    assert filename_sanitize(name) == clean


def test_an_uploaded_name_with_directories_nul_and_bidi_characters_is_cleaned(
    web, advisor, lead, media
):
    name = "C:\\skany\\umo\x00wa\u202efdp.pdf"
    document = document_upload(lead=lead, upload=upload(name), user=advisor)

    assert document.original_name == "umowafdp.pdf"
    response = web.get(download_url(document))
    disposition = response["Content-Disposition"]
    body(response)
    assert disposition == "attachment; filename=\"umowafdp.pdf\"; filename*=UTF-8''umowafdp.pdf"


def test_the_download_header_quotes_nothing_it_should_not():
    header = attachment_header('a"b\\c;d.pdf')
    assert header == ("attachment; filename=\"a_b_c_d.pdf\"; filename*=UTF-8''a%22b%5Cc%3Bd.pdf")


# -- Who may download, upload and delete -------------------------------------------------------


@pytest.fixture
def document(advisor, lead, media) -> Document:
    return document_upload(lead=lead, upload=upload(), user=advisor)


@pytest.mark.parametrize("who", ["outsider", "other_manager", "teammate"])
def test_someone_who_cannot_see_the_lead_gets_404_everywhere(
    client, request, lead, document, media, who
):
    client.force_login(request.getfixturevalue(who))

    assert client.get(download_url(document)).status_code == 404
    assert client.post(delete_url(document)).status_code == 404
    note_url = reverse("leads:note_create", args=[lead.pk])
    assert client.post(note_url, {"note-text": "Obcy"}).status_code == 404
    upload_url = reverse("leads:document_upload", args=[lead.pk])
    assert client.post(upload_url, {"document-file": upload()}).status_code == 404
    assert client.get(reverse("leads:tab", args=[lead.pk, "documents"])).status_code == 404

    assert Document.objects.filter(pk=document.pk).exists()
    assert not Note.objects.exists()
    assert len(stored_files(media)) == 1


def test_the_branch_manager_downloads_the_document(client, manager, document):
    client.force_login(manager)
    response = client.get(download_url(document))
    assert response.status_code == 200 and body(response) == PDF


def test_a_document_of_another_lead_through_this_leads_url_is_404(web, document, other_lead):
    assert web.get(download_url(document, lead=other_lead)).status_code == 404
    assert web.post(delete_url(document, lead=other_lead)).status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, document):
    response = client.get(download_url(document))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_post_only_urls_answer_get_with_405(web, lead, document):
    assert web.get(reverse("leads:note_create", args=[lead.pk])).status_code == 405
    assert web.get(reverse("leads:document_upload", args=[lead.pk])).status_code == 405
    assert web.get(delete_url(document)).status_code == 405
    assert web.post(download_url(document)).status_code == 405


def test_the_media_folder_is_not_reachable_by_any_url(web, settings, document, media):
    name = document.file.name
    assert (media / name).read_bytes() == PDF
    for url in (f"/{name}", f"/media/{name}", f"{settings.MEDIA_URL or '/'}{name}"):
        response = web.get(url)
        assert response.status_code == 404, url
        assert PDF not in response.content


# -- Deleting ----------------------------------------------------------------------------------


def test_deleting_asks_for_confirmation_and_removes_the_file(
    web, lead, document, media, django_capture_on_commit_callbacks
):
    page = tab(web, lead).text
    assert f'action="{delete_url(document)}"' in page
    assert "data-confirm=" in page and "Delete the file “umowa.pdf”?" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(delete_url(document))

    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    assert stored_files(media) == []
    assert Document.history.filter(id=document.pk, history_type="-").exists()
    assert "No files yet." in tab(web, lead).text


def test_deleting_a_note_attachment_keeps_the_note(
    advisor, lead, media, django_capture_on_commit_callbacks
):
    note = note_create(lead=lead, text="Z załącznikiem", upload=upload(), user=advisor)
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=note.attachment, user=advisor)

    note.refresh_from_db()
    assert not Document.objects.exists() and note.text == "Z załącznikiem"
    assert stored_files(media) == []


# -- Refusals that store nothing ----------------------------------------------------------------


def test_a_note_without_text_is_refused_and_stores_nothing(web, lead, media):
    response = web.post(
        reverse("leads:note_create", args=[lead.pk]), {"note-text": "  ", "note-file": upload()}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["text"] == ["Write the note."]
    assert not Note.objects.exists() and not Document.objects.exists()
    assert stored_files(media) == []


def test_a_note_has_at_most_one_attachment(advisor, lead, media):
    note = note_create(lead=lead, text="Notatka", upload=upload(), user=advisor)

    with pytest.raises(ValidationError) as refused:
        document_upload(lead=lead, upload=upload("drugi.pdf"), user=advisor, note=note)

    assert refused.value.message_dict["file"] == ["A note has at most one attachment."]
    assert Document.objects.count() == 1 and len(stored_files(media)) == 1


@pytest.fixture
def documents_refused_at_commit(transactional_db):
    """PostgreSQL refuses every new document when its transaction commits (a deferred
    constraint trigger), after the file is written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_document() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'documents refused by the test'; END $$"
        )
        cursor.execute(
            "CREATE CONSTRAINT TRIGGER test_refuse_document AFTER INSERT ON leads_document "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse_document()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_document ON leads_document")
        cursor.execute("DROP FUNCTION test_refuse_document()")


@pytest.mark.django_db(transaction=True)
def test_a_note_whose_commit_fails_leaves_no_file(
    reference_data, documents_refused_at_commit, advisor, media
):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor])

    with pytest.raises(DatabaseError, match="documents refused by the test"):
        note_create(lead=lead, text="Nieudana", upload=upload(), user=advisor)

    assert not Note.objects.exists() and not Document.objects.exists()
    assert stored_files(media) == []


# -- Closed and deleted leads ----------------------------------------------------------------


def test_a_failed_lead_still_takes_notes_and_files(advisor, lead, media):
    reason = FailureReason.objects.get(name="Cena")
    lead_mark_failed(lead=lead, reason=reason, comment="", user=advisor)
    assert lead.is_failed

    note = note_create(lead=lead, text="Klient kupił gdzie indziej.", upload=upload(), user=advisor)

    assert note.attachment.original_name == "umowa.pdf"


def test_a_deleted_inquiry_takes_no_notes_or_files(web, advisor, lead, document, media):
    Lead.objects.filter(pk=lead.pk).update(
        intake_outcome=IntakeOutcome.DELETED, deletion_reason=DeletionReason.objects.first()
    )

    response = web.post(
        reverse("leads:note_create", args=[lead.pk]), {"note-text": "Spam", "note-file": upload()}
    )
    assert response.status_code == 400
    assert "This inquiry is deleted" in response.text
    response = web.post(delete_url(document), follow=True)
    assert "This inquiry is deleted" in response.text
    assert Document.objects.filter(pk=document.pk).exists()
    assert Note.objects.count() == 0 and len(stored_files(media)) == 1

    page = tab(web, lead).text
    assert 'id="note-form"' not in page and 'id="documents-read-only"' in page
    assert 'action="' + delete_url(document) not in page


def test_a_user_without_the_permission_cannot_delete(client, advisor, lead, document, media):
    stranger = UserFactory(branch=advisor.branch)
    stranger.groups.clear()
    lead.employees.add(stranger)
    client.force_login(stranger)

    response = client.post(delete_url(document), follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert "You may not delete documents." in [str(m) for m in response.context["messages"]]
    assert Document.objects.filter(pk=document.pk).exists()


# -- Queries ----------------------------------------------------------------------------------


def fill(lead: Lead, advisor, count: int) -> None:
    for number in range(count):
        note_create(lead=lead, text=f"Notatka {number}", upload=upload(), user=advisor)
        document_upload(lead=lead, upload=upload(f"plik {number}.pdf"), user=advisor)


@pytest.mark.parametrize("count", [1, 50])
def test_the_tab_takes_a_fixed_number_of_queries(
    web, advisor, lead, media, count, django_assert_num_queries
):
    fill(lead, advisor, count)
    # session, user; the lead; the CRM settings (allowed types); the user's and their
    # groups' permissions (the delete button); notes counted and their page (with authors
    # and attachments joined); documents counted and their page (with uploaders joined);
    # the tab bar's counts (one query for all the tabs).
    with django_assert_num_queries(11):
        response = tab(web, lead)
    assert response.status_code == 200
    assert response.text.count('class="note"') == min(count, 20)


@pytest.mark.parametrize("count", [1, 50])
def test_the_lead_page_with_the_tab_open_takes_a_fixed_number_of_queries(
    web, advisor, lead, media, count, django_assert_num_queries
):
    fill(lead, advisor, count)
    CRMSettings.get_solo()
    # The lead page's own queries, and the tab's as above (less the lead, read once); the
    # inquiry contact's consents (it has no phone or email to look up on the objections);
    # the tab bar's counts (one query for all the tabs).
    with django_assert_num_queries(21):
        response = web.get(lead.get_absolute_url(), {"tab": "documents"})
    assert response.status_code == 200


def test_pages_of_notes_and_documents_are_separate(web, advisor, lead, media):
    fill(lead, advisor, 21)

    page = tab(web, lead, notes_page=2).text

    # 21 notes: the oldest alone on their second page; the documents still on their first.
    assert page.count('class="note"') == 1 and "Notatka 0" in page
    assert page.count('<tr id="document-') == 20
    assert "Page 2 of 2" in page and "Page 1 of 3" in page
