"""Importing leads from a file: a manager uploads a messy sheet (Polish headers, a few bad
rows), maps its columns, sees the dry run, confirms, and the rows become leads through the
intake's own rules; each bad input of the issue is refused or reported, never a 500."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import localtime
from django.utils.translation import gettext
from openpyxl import Workbook

from leads.models import ImportBatch, ImportRowError, ImportStatus, IntakeOutcome, Lead
from notifications.models import Notification, NotificationKind
from tests.factories import UserFactory

from .import_fixtures import (
    SAMPLE_COUNTS,
    SAMPLE_CP1250,
    SAMPLE_ERROR_ROWS,
    SAMPLE_UTF8_BOM,
    SAMPLE_XLSX,
    browser,
    known_client,  # noqa: F401
    post_mapping,
    post_upload,
    private_media,  # noqa: F401
    read_xlsx,
    upload_file,
)

pytestmark = pytest.mark.usefixtures("private_media")


def checked_batch(http, path, capture, **kwargs) -> ImportBatch:
    """Upload the file, keep the guessed mapping and run the dry run (eager Celery)."""
    response = post_upload(http, upload_file(path), **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.latest("id")
    with capture(execute=True):
        response = post_mapping(http, batch)
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def imported_batch(http, batch, capture) -> ImportBatch:
    with capture(execute=True):
        response = http.post(reverse("leads:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


# The happy path, on the messy samples.


@pytest.mark.usefixtures("known_client")
@pytest.mark.parametrize(
    "path", [SAMPLE_XLSX, SAMPLE_CP1250, SAMPLE_UTF8_BOM], ids=["xlsx", "cp1250", "utf8-bom"]
)
def test_manager_imports_a_messy_sample_and_downloads_the_rejected_rows(
    manager, path, django_capture_on_commit_callbacks
):
    http = browser(manager)

    batch = checked_batch(http, path, django_capture_on_commit_callbacks)

    assert batch.status == ImportStatus.CHECKED
    assert {name: getattr(batch, name) for name in SAMPLE_COUNTS} == SAMPLE_COUNTS
    assert Lead.objects.count() == 0  # the dry run writes no lead
    page = http.get(batch.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="import-confirm-form"' in text
    assert "is not a date; write it as 29.06.2022 or 2022-06-29." in text
    assert sorted(set(ImportRowError.objects.values_list("row", flat=True))) == SAMPLE_ERROR_ROWS

    batch = imported_batch(http, batch, django_capture_on_commit_callbacks)

    assert batch.status == ImportStatus.DONE
    assert (batch.rows_imported, batch.rows_new, batch.rows_linked, batch.rows_error) == (
        6,
        5,
        1,
        5,
    )
    leads = Lead.objects.filter(import_batch=batch)
    assert leads.count() == 6
    assert all(lead.external_id.startswith("import:") for lead in leads)
    jan = leads.get(contact_last_name="Kowalski")
    assert (jan.contact_phone, jan.contact_email) == ("+48600100200", "jan.kowalski@example.com")
    assert localtime(jan.submitted_at).date().isoformat() == "2022-06-29"
    # Every inquiry's basis is recorded, from the import, with its batch and row; Jan's
    # "no" to marketing records no marketing consent.
    (basis,) = jan.consent_events.all()
    assert (basis.kind, basis.action, basis.source) == ("inquiry:any", "given", "import")
    assert basis.evidence["batch"] == batch.pk and basis.evidence["row"] > 1
    assert basis.at == jan.submitted_at
    # A formula cell is stored as its text, never evaluated.
    assert (
        leads.get(contact_last_name="Hiperłącze").message
        == '=HYPERLINK("http://example.com/zly","kliknij")'
    )
    linked = leads.get(contact_last_name="Klient")
    assert linked.intake_outcome == IntakeOutcome.LINKED
    assert linked.clients.get().last_name == "Klient"
    assert localtime(leads.get(contact_last_name="Żak").submitted_at).hour == 10
    # The summary, the lead list filtered by the import, the rejected rows.
    summary = http.get(batch.get_absolute_url()).content.decode()
    assert 'id="import-leads-link"' in summary and 'id="import-rejected-link"' in summary
    listed = http.get(reverse("leads:list"), {"import_batch": batch.pk})
    assert listed.status_code == 200
    assert len(listed.context["table"].rows) == 6
    sheet = read_xlsx(http.get(reverse("leads:import_rejected", args=[batch.pk])))
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == SAMPLE_ERROR_ROWS
    assert rows[0][1] == "Imię" and rows[0][-1] == "Errors"
    assert "neither yes nor no" in rows[-1][-1]


def test_the_same_file_twice_makes_no_duplicates(manager, django_capture_on_commit_callbacks):
    http = browser(manager)
    first = imported_batch(
        http,
        checked_batch(http, SAMPLE_XLSX, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    assert Lead.objects.count() == 6

    # Again, with another source and as a CSV: the same rows are the same keys.
    second = checked_batch(http, SAMPLE_CP1250, django_capture_on_commit_callbacks, slug="facebook")

    assert (second.rows_new, second.rows_linked, second.rows_duplicate_db) == (0, 0, 6)
    second = imported_batch(http, second, django_capture_on_commit_callbacks)
    assert second.rows_imported == 0 and second.rows_duplicate_db == 6
    assert Lead.objects.count() == 6
    assert first.rows_imported == 6


def test_uploading_a_file_imported_before_warns_on_the_mapping_page(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    imported_batch(
        http,
        checked_batch(http, SAMPLE_XLSX, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )

    post_upload(http, upload_file(SAMPLE_XLSX))

    page = http.get(reverse("leads:import_mapping", args=[ImportBatch.objects.latest("id").pk]))
    assert 'id="import-same-file"' in page.content.decode()


def test_all_or_nothing_with_bad_rows_cannot_be_confirmed(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    batch = checked_batch(
        http, SAMPLE_XLSX, django_capture_on_commit_callbacks, all_or_nothing=True
    )
    assert 'id="import-confirm-form"' not in http.get(batch.get_absolute_url()).content.decode()

    batch = imported_batch(http, batch, django_capture_on_commit_callbacks)

    assert batch.status == ImportStatus.CHECKED
    assert Lead.objects.count() == 0


def test_all_or_nothing_imports_a_clean_file_whole(manager, django_capture_on_commit_callbacks):
    http = browser(manager)
    content = b"E-mail;Telefon\nadam@example.com;\n;600 700 800\n"
    post_upload(http, upload_file(SAMPLE_CP1250, "czysty.csv", content), all_or_nothing=True)
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)

    batch = imported_batch(http, batch, django_capture_on_commit_callbacks)

    assert batch.status == ImportStatus.DONE
    assert Lead.objects.filter(import_batch=batch).count() == 2


# Bad input.


def upload_error(http, name: str, content: bytes) -> str:
    response = post_upload(http, upload_file(SAMPLE_XLSX, name, content))
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()
    return response.context["form"].errors["file"][0]


def test_an_empty_file_is_refused(manager):
    http = browser(manager)
    assert upload_error(http, "pusty.csv", b"") == "The submitted file is empty."
    assert upload_error(http, "pusty.xlsx", b"") == "The submitted file is empty."
    assert upload_error(http, "spacje.csv", b" \r\n\r\n") == "The file is empty."


def test_a_workbook_without_rows_is_refused(manager):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert (
        upload_error(browser(manager), "pusty.xlsx", buffer.getvalue())
        == "The file is empty: it has no rows."
    )


def test_a_corrupt_xlsx_is_refused(manager):
    message = upload_error(browser(manager), "zepsuty.xlsx", SAMPLE_XLSX.read_bytes()[:2000])
    assert message == "The file is not a valid Excel workbook (.xlsx). Save it again from Excel."
    message = upload_error(browser(manager), "tekst.xlsx", b"to nie jest arkusz")
    assert message.startswith("The file is not a valid Excel workbook")


def test_an_old_xls_is_refused_with_a_hint(manager):
    message = upload_error(browser(manager), "stary.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    assert message == "The old Excel format (.xls) cannot be read: save the file as .xlsx or CSV."


def test_a_csv_in_an_undetectable_encoding_is_refused(manager):
    utf16 = "Imię;E-mail\nJan;jan@example.com\n".encode("utf-16")
    assert upload_error(browser(manager), "utf16.csv", utf16).startswith(
        "The encoding of the file could not be recognised."
    )
    binary = bytes(range(256)) * 4
    assert upload_error(browser(manager), "dane.csv", binary).startswith(
        "The encoding of the file could not be recognised."
    )


def test_a_file_over_20_mb_is_refused(manager):
    big = b"E-mail\n" + b"a@example.com\n" * (20 * 1024 * 1024 // 14 + 10)
    assert len(big) > 20 * 1024 * 1024
    assert upload_error(browser(manager), "duzy.csv", big) == (
        "The file is larger than 20 MB. Split it into smaller files."
    )


def test_a_mapping_with_neither_email_nor_phone_is_refused_before_the_dry_run(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    post_upload(http, upload_file(SAMPLE_XLSX))
    batch = ImportBatch.objects.get()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_mapping(http, batch, {"0": "first_name", "1": "last_name"})

    assert response.status_code == 400
    assert "Choose the column of the email or of the phone (or both)." in response.content.decode()
    assert callbacks == []
    batch.refresh_from_db()
    assert batch.status == ImportStatus.UPLOADED and batch.job is None


def test_a_field_chosen_for_two_columns_is_refused(manager):
    http = browser(manager)
    post_upload(http, upload_file(SAMPLE_XLSX))
    batch = ImportBatch.objects.get()

    response = post_mapping(http, batch, {"2": "email", "3": "email"})

    assert response.status_code == 400
    assert "is chosen for more than one column." in response.content.decode()


def test_both_date_formats_and_the_mapping_guess_from_english_headers(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    content = (
        b"First name,Last name,Email,Phone,Message,Investment,Date,Consent to processing\n"
        b"Ann,Smith,ann@example.com,,Hi,,29.06.2022,yes\n"
        b"Bob,Brown,bob@example.com,,Hi,,2022-06-29,no\n"
    )
    post_upload(http, upload_file(SAMPLE_CP1250, "english.csv", content))
    batch = ImportBatch.objects.get()
    assert batch.mapping == {
        "0": "first_name", "1": "last_name", "2": "email", "3": "phone", "4": "message",
        "5": "investment", "6": "submitted_at", "7": "consents_processing",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)
    imported_batch(http, batch, django_capture_on_commit_callbacks)

    dates = {
        lead.contact_first_name: localtime(lead.submitted_at).date().isoformat()
        for lead in Lead.objects.all()
    }
    assert dates == {"Ann": "2022-06-29", "Bob": "2022-06-29"}


def test_duplicate_rows_inside_the_file_are_imported_once(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    content = (
        "E-mail;Imię\nola@example.com;Ola\nOLA@example.com ;ola\nola@example.com;Ola\n".encode()
    )
    post_upload(http, upload_file(SAMPLE_CP1250, "dup.csv", content))
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)
    batch.refresh_from_db()
    assert (batch.rows_new, batch.rows_duplicate_file) == (1, 2)

    imported_batch(http, batch, django_capture_on_commit_callbacks)

    assert Lead.objects.count() == 1


# Who may do what.


def test_advisors_cannot_import(advisor):
    http = browser(advisor)
    assert http.get(reverse("leads:import")).status_code == 403
    assert post_upload(http, upload_file(SAMPLE_XLSX)).status_code == 403
    assert 'id="menu-import"' not in http.get(reverse("leads:list")).content.decode()


def test_the_import_link_is_in_a_managers_menu(manager):
    assert 'id="menu-import"' in browser(manager).get(reverse("leads:list")).content.decode()


def test_another_branch_cannot_see_an_import_or_its_rejected_rows(
    manager, other_manager, advisor, outsider, django_capture_on_commit_callbacks
):
    http = browser(manager)
    batch = imported_batch(
        http,
        checked_batch(http, SAMPLE_XLSX, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    urls = [
        reverse(name, args=[batch.pk])
        for name in ("leads:import_detail", "leads:import_mapping", "leads:import_rejected")
    ]
    for user in (other_manager, advisor, outsider):
        for url in urls:
            assert browser(user).get(url).status_code == 404, (user, url)
        assert (
            browser(user).post(reverse("leads:import_confirm", args=[batch.pk])).status_code == 404
        )
    assert (
        batch.file_name not in browser(other_manager).get(reverse("leads:import")).content.decode()
    )


def test_a_teammate_manager_sees_the_import_but_not_its_rejected_rows(
    manager, branch, django_capture_on_commit_callbacks
):
    http = browser(manager)
    batch = imported_batch(
        http,
        checked_batch(http, SAMPLE_XLSX, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    colleague = browser(UserFactory(role=manager.role, branch=branch))

    page = colleague.get(batch.get_absolute_url())

    assert page.status_code == 200 and 'id="import-rejected-link"' not in page.content.decode()
    assert colleague.get(reverse("leads:import_rejected", args=[batch.pk])).status_code == 404


def test_confirm_answers_get_with_405(manager):
    http = browser(manager)
    post_upload(http, upload_file(SAMPLE_XLSX))
    batch = ImportBatch.objects.get()
    assert http.get(reverse("leads:import_confirm", args=[batch.pk])).status_code == 405


# Query counts.


def test_the_dry_run_page_makes_the_same_queries_whatever_the_number_of_errors(
    manager, django_capture_on_commit_callbacks, django_assert_num_queries
):
    http = browser(manager)
    batch = checked_batch(http, SAMPLE_XLSX, django_capture_on_commit_callbacks)
    url = batch.get_absolute_url()
    http.get(url)  # the session and permission caches warm up

    with django_assert_num_queries(7):
        assert http.get(url).status_code == 200
    ImportRowError.objects.bulk_create(
        ImportRowError(batch=batch, row=100 + n, column="E-mail", message="x") for n in range(200)
    )
    with django_assert_num_queries(7):
        assert http.get(url, {"page": 2}).status_code == 200


# The pages themselves.


def test_the_upload_page_lists_nothing_yet_and_the_mapping_page_shows_the_guess(manager):
    http = browser(manager)
    page = http.get(reverse("leads:import")).content.decode()
    assert "No imports yet." in page and 'id="import-upload-form"' in page

    post_upload(http, upload_file(SAMPLE_CP1250))
    batch = ImportBatch.objects.get()
    assert http.get(batch.get_absolute_url()).url == reverse(
        "leads:import_mapping", args=[batch.pk]
    )
    form = http.get(reverse("leads:import_mapping", args=[batch.pk])).context["form"]

    assert form["column_2"].initial == "email" and form["column_0"].label == "Imię"
    assert form["column_2"].help_text == (
        "For example: jan.kowalski@example.com, ELA@EXAMPLE.PL, zly-email@"
    )
    assert batch.file_name == "import_leads_cp1250.csv"
    assert batch.file.name.startswith("imports/") and "cp1250" not in batch.file.name
    assert len(batch.file_sha256) == 64


def test_the_mapping_of_a_running_import_cannot_change(manager, django_capture_on_commit_callbacks):
    http = browser(manager)
    batch = checked_batch(http, SAMPLE_XLSX, django_capture_on_commit_callbacks)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)

    response = post_mapping(http, batch)

    assert response.status_code == 400
    assert "This import has already started" in response.content.decode()


def test_a_stored_file_gone_missing_fails_the_dry_run_with_a_message(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    post_upload(http, upload_file(SAMPLE_XLSX))
    batch = ImportBatch.objects.get()
    batch.file.storage.delete(batch.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    page = http.get(batch.get_absolute_url())
    assert page.status_code == 200 and "Import failed" in page.content.decode()


def test_the_progress_partial_asks_for_a_refresh_once_the_work_is_over(
    manager, django_capture_on_commit_callbacks
):
    http = browser(manager)
    batch = checked_batch(http, SAMPLE_XLSX, django_capture_on_commit_callbacks)
    htmx = {"HTTP_HX_REQUEST": "true"}
    assert http.get(batch.get_absolute_url(), **htmx)["HX-Refresh"] == "true"

    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)
    response = http.get(batch.get_absolute_url(), **htmx)

    assert "HX-Refresh" not in response and 'hx-trigger="every 1s"' in response.content.decode()


def test_the_import_page_makes_the_same_queries_whatever_the_number_of_imports(
    manager, django_assert_num_queries
):
    http = browser(manager)
    post_upload(http, upload_file(SAMPLE_CP1250))
    http.get(reverse("leads:import"))

    with django_assert_num_queries(6):
        assert http.get(reverse("leads:import")).status_code == 200
    for _ in range(4):
        post_upload(http, upload_file(SAMPLE_CP1250))
    with django_assert_num_queries(6):
        page = http.get(reverse("leads:import"))
    assert page.content.decode().count("import_leads_cp1250.csv") == 5


@pytest.mark.usefixtures("known_client")
def test_each_employee_gets_one_email_for_the_whole_import_not_one_per_lead(
    manager, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LEJEK_BASE_URL = "https://crm.example.com"
    http = browser(manager)
    batch = checked_batch(http, SAMPLE_XLSX, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    batch = imported_batch(http, batch, django_capture_on_commit_callbacks)

    leads = Lead.objects.filter(import_batch=batch)
    given = {}
    for lead in leads.prefetch_related("employees"):
        for employee in lead.employees.all():
            given[employee] = given.get(employee, 0) + 1
    assert given and not Notification.objects.filter(kind=NotificationKind.LEAD_ASSIGNED)
    assert Notification.objects.filter(kind=NotificationKind.IMPORT_ASSIGNED).count() == len(given)
    assert sorted(email.to[0] for email in mailoutbox) == sorted(e.email for e in given)
    for email in mailoutbox:
        employee = next(e for e in given if e.email == email.to[0])
        with translation.override(employee.language or settings.LANGUAGE_CODE):
            subject = gettext("Imported leads for you: %(count)s") % {"count": given[employee]}
        assert email.subject == subject  # in the employee's language
        assert (
            f"https://crm.example.com/leads/?import_batch={batch.pk}&employee={employee.pk}"
            in email.body
        )
