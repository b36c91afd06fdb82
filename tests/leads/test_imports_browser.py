"""The import as a manager does it in Chromium: upload the messy Windows-1250 CSV, fix the
mapping, read the dry run's errors, import, see the summary, download the rejected rows."""

from __future__ import annotations

import os

import pytest
from openpyxl import load_workbook

from leads.models import ImportBatch, Lead
from tests.browser.conftest import (  # noqa: F401  (pytest fixtures)
    browser_context_args,
    browser_type_launch_args,
    logged_in_page,
)

from .import_fixtures import SAMPLE_CP1250, known_client, private_media  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "private_media", "known_client"),
]
SHOTS = os.environ.get("LEJEK_SCREENSHOTS")  # a folder to keep screenshots in, if set


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"import-{name}.png"), full_page=True)


def test_a_manager_imports_the_messy_csv_and_downloads_the_rejected_rows(
    logged_in_page,  # noqa: F811  (the fixture imported above)
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

    # The mapping is guessed from the Polish headers; the manager skips the marketing consent.
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

    page.locator("#count-imported").wait_for()
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
    assert Lead.objects.filter(import_batch=batch, consent_marketing=True).count() == 0
