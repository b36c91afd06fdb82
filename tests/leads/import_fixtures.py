"""What the import stories share: the sample files, a manager's browser, uploads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from openpyxl import load_workbook

from leads.models import ImportBatch
from tests.factories import ClientFactory, source

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE_XLSX = DATA / "import_leads.xlsx"
SAMPLE_CP1250 = DATA / "import_leads_cp1250.csv"
SAMPLE_UTF8_BOM = DATA / "import_leads_utf8_bom.csv"

# What the dry run of every sample finds (12 rows; row 11's phone is an existing client's).
SAMPLE_COUNTS = {
    "rows_total": 12,
    "rows_new": 5,
    "rows_linked": 1,
    "rows_duplicate_file": 1,
    "rows_duplicate_db": 0,
    "rows_error": 5,
}
SAMPLE_ERROR_ROWS = [4, 5, 7, 8, 12]


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def known_client(branch):
    """The client whose phone is on row 11 of the samples."""
    return ClientFactory(
        first_name="Stały", last_name="Klient", email="", phone="603 400 500", branch=branch
    )


def browser(user, language: str = "en") -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE=language)
    http.force_login(user)
    return http


def upload_file(path: Path, name: str | None = None, content: bytes | None = None):
    data = path.read_bytes() if content is None else content
    return SimpleUploadedFile(name or path.name, data)


def post_upload(http: HttpClient, upload, *, slug: str = "www", all_or_nothing: bool = False):
    data = {"file": upload, "source": source(slug).pk}
    if all_or_nothing:
        data["all_or_nothing"] = "on"
    return http.post(reverse("leads:import"), data)


def post_mapping(http: HttpClient, batch: ImportBatch, mapping: dict[str, str] | None = None):
    mapping = batch.mapping if mapping is None else mapping
    data = {f"column_{index}": "" for index in range(len(batch.headers))}
    data.update({f"column_{index}": field for index, field in mapping.items()})
    return http.post(reverse("leads:import_mapping", args=[batch.pk]), data)


def read_xlsx(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
