"""Large exports as background jobs: a real Celery worker builds the file while the page
polls its progress; only the user who asked sees the job and downloads the file."""

from __future__ import annotations

import io
import threading
import time
from datetime import datetime

import pytest
from celery.signals import task_prerun
from django.test import Client as HttpClient
from django.urls import reverse
from openpyxl import load_workbook

from crm.core.excel import XLSX_CONTENT_TYPE
from crm.core.models import BackgroundJob
from tests.factories import LeadFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def logged_in(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def wait_for_download_link(http: HttpClient, job_url: str, timeout: float = 30) -> list[str]:
    """Poll the job's status as htmx does (every second, here faster); return the
    partials seen until the download link shows."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = http.get(job_url, **HTMX)
        assert response.status_code == 200
        seen.append(response.text)
        if 'id="job-download"' in response.text or "message--error" in response.text:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"the job did not finish in {timeout} s; last status: {seen[-1]}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data", "celery_worker")
def test_worker_builds_a_large_export_that_only_its_owner_downloads(
    settings, private_media, manager, teammate, outsider, other_branch
):
    settings.LEJEK_SYNC_EXPORT_LIMIT = 10
    threads = []

    def record_thread(**kwargs):
        threads.append(threading.get_ident())

    task_prerun.connect(record_thread)
    for n in range(25):
        LeadFactory(name=f"Sprawa {n:02}", branch=manager.branch)
    LeadFactory(name="Sprawa innego oddziału", branch=other_branch)
    http = logged_in(manager)

    response = http.post(reverse("leads:export"), follow=True)

    job = BackgroundJob.objects.get()
    job_url = reverse("core:job", args=[job.pk])
    assert response.redirect_chain == [(job_url, 302)]
    assert f'hx-get="{job_url}"' in response.text  # the page polls its status
    assert 'hx-trigger="every 1s"' in response.text

    partials = wait_for_download_link(http, job_url)
    final = partials[-1]
    assert "<progress" in final
    assert 'value="25"' in final and 'max="25"' in final
    assert "25 / 25" in final
    assert "hx-trigger" not in final  # polling stops when the job is done
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE
    assert job.finished_at is not None
    task_prerun.disconnect(record_thread)
    assert threads and threading.get_ident() not in threads  # the worker ran it, not eager
    # Stored privately under MEDIA_ROOT/private/exports, never under a public URL.
    stored = private_media / "private" / job.file.name
    assert stored.is_file() and job.file.name.startswith("exports/")
    with pytest.raises(ValueError):
        _ = job.file.url

    download_url = reverse("core:job_download", args=[job.pk])
    sheet = read_xlsx(http.get(download_url))
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 25
    assert sorted(row[0].value for row in rows) == [f"Sprawa {n:02}" for n in range(25)]
    assert all(isinstance(row[6].value, datetime) and row[6].is_date for row in rows)

    for other in (outsider, teammate):
        stranger = logged_in(other)
        assert stranger.get(job_url).status_code == 404
        assert stranger.get(job_url, **HTMX).status_code == 404
        assert stranger.get(download_url).status_code == 404
