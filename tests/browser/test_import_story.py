"""The import as a manager does it in Chromium: upload the messy Windows-1250 CSV, fix the
mapping, read the dry run's errors, import (a real Celery worker runs it while the progress
bar follows), see the summary, download the rejected rows; then the sources report counts
the imported leads, and its export says the same."""

from __future__ import annotations

import os
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from consents.models import ConsentEvent
from leads.models import ImportBatch, Lead
from tests.leads.import_fixtures import (  # noqa: F401  (pytest fixtures)
    SAMPLE_CP1250,
    known_client,
    private_media,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "private_media", "known_client", "celery_worker"),
]
SHOTS = os.environ.get("LEJEK_SCREENSHOTS")  # a folder to keep screenshots in, if set


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"import-{name}.png"), full_page=True)


def test_a_manager_imports_the_messy_csv_and_downloads_the_rejected_rows(
    logged_in_page,
    live_server,
    manager,
    tmp_path,
):
    page = logged_in_page(manager)
    page.goto(f"{live_server.url}/leads/")
    page.locator("#menu-import").click()
    # Ids rather than labels: the Polish wording may still change.
    page.locator("#id_file").set_input_files(str(SAMPLE_CP1250))
    page.locator("#id_source").select_option(label="www")
    shot(page, "1-upload")
    page.locator("#import-upload-form button[type=submit]").click()

    # The encoding is recognised (and could be changed); the mapping is guessed from the
    # Polish headers; the manager skips the marketing consent.
    assert page.locator("#import-encoding-form #id_encoding").input_value() == "cp1250"
    assert page.get_by_label("E-mail").input_value() == "email"
    page.get_by_label("Zgoda marketingowa").select_option("")
    shot(page, "2-mapping")
    page.locator("#import-mapping-form button[type=submit]").click()

    page.locator("#import-counts").wait_for()
    assert page.locator("#count-new").inner_text() == "5"
    assert page.locator("#count-errors").inner_text() == "5"
    assert "31.02.2022" in page.locator("#import-errors").inner_text()
    shot(page, "3-dry-run")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#import-confirm-form button").click()

    # The worker imports while the page polls its progress, until the summary replaces it.
    expect(page.locator("#import-progress-bar")).to_be_attached()
    page.locator("#count-imported").wait_for(timeout=30_000)
    assert page.locator("#count-imported").inner_text() == "6"
    shot(page, "4-summary")
    with page.expect_download() as download:
        page.locator("#import-rejected-link").click()
    path = tmp_path / "odrzucone.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [4, 5, 7, 8, 12]

    page.locator("#import-leads-link").click()
    assert page.locator("#lead-results tbody tr").count() == 6
    batch = ImportBatch.objects.get()
    # No marketing column mapped: only each inquiry's basis is in the consent register.
    assert not ConsentEvent.objects.filter(lead__import_batch=batch).exclude(kind="inquiry:any")

    # The sources report counts them, and its export reads the same.
    today = timezone.localdate().isoformat()
    page.goto(f"{live_server.url}/reports/sources/?date_from={today}&date_to={today}")
    www = page.get_by_role("row", name=re.compile(r"^www\b"))
    expected = Lead.objects.not_deleted().filter(source__slug="www").count()
    assert expected >= 6
    expect(www.locator("td").first).to_have_text(str(expected))  # leads; the name is a th
    with page.expect_download() as download:
        page.get_by_role("button", name="Eksportuj do Excela").click()
    report = tmp_path / "zrodla.xlsx"
    download.value.save_as(report)
    sheet = load_workbook(report).worksheets[0]
    row = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "www")
    assert row[1] == expected

    # Then a file of clients: the manager says so at upload; the known client is recognised.
    clients_csv = tmp_path / "klienci.csv"
    clients_csv.write_bytes(
        "Imię;Nazwisko;E-mail;Telefon\nŁucja;Wiśniewska;lucja@example.pl;\n"
        "Stały;Klient;;603 400 500\n".encode("cp1250")
    )
    page.locator("#menu-import").click()
    page.locator("#import-kind input[value=clients]").check()
    page.locator("#id_file").set_input_files(str(clients_csv))
    page.locator("#id_source").select_option(label="www")
    page.locator("#import-upload-form button[type=submit]").click()
    page.locator("#import-mapping-form button[type=submit]").click()
    page.locator("#import-counts").wait_for()
    assert page.locator("#count-new").inner_text() == "1"
    assert page.locator("#count-duplicate-db").inner_text() == "1"
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#import-confirm-form button").click()
    page.locator("#count-imported").wait_for(timeout=30_000)
    assert page.locator("#count-imported").inner_text() == "1"
    page.locator("#import-clients-link").click()
    expect(page.get_by_text("Wiśniewska").first).to_be_visible()
