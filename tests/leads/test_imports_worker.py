"""An import run by a real Celery worker, watched through its progress bar; and an import
whose worker died half-way, resumed by the redelivered task without a duplicate."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from leads.imports import run as import_run_module
from leads.models import ImportBatch, ImportStatus, Lead
from leads.tasks import run_lead_import

from .import_fixtures import (
    SAMPLE_COUNTS,
    SAMPLE_CP1250,
    SAMPLE_XLSX,
    browser,
    known_client,  # noqa: F401
    post_mapping,
    post_upload,
    private_media,  # noqa: F401
    upload_file,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def wait_until_finished(http, batch: ImportBatch, timeout: float = 60) -> list[str]:
    """Poll the progress partial as htmx does; return the partials seen until the page
    asks to be refreshed (the work is over)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = http.get(batch.get_absolute_url(), **HTMX)
        assert response.status_code == 200
        seen.append(response.content.decode())
        if response.get("HX-Refresh") == "true":
            return seen
        time.sleep(0.2)
    raise AssertionError(f"the import did not finish in {timeout} s; last: {seen[-1]}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data", "celery_worker", "private_media", "known_client")
def test_a_worker_checks_and_imports_the_sample_while_the_page_shows_progress(manager):
    http = browser(manager)
    assert post_upload(http, upload_file(SAMPLE_CP1250)).status_code == 302
    batch = ImportBatch.objects.get()

    assert post_mapping(http, batch).status_code == 302
    seen = wait_until_finished(http, batch)

    assert 'id="import-progress-bar"' in seen[0]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED
    assert {name: getattr(batch, name) for name in SAMPLE_COUNTS} == SAMPLE_COUNTS

    assert http.post(reverse("leads:import_confirm", args=[batch.pk])).status_code == 302
    wait_until_finished(http, batch)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, batch.error
    assert (batch.rows_imported, batch.rows_new, batch.rows_linked) == (6, 5, 1)
    assert (batch.rows_duplicate_file, batch.rows_error, batch.rows_done) == (1, 5, 13)
    assert Lead.objects.filter(import_batch=batch).count() == 6
    assert batch.job.status == "done" and batch.job.progress == 12
    page = http.get(batch.get_absolute_url()).content.decode()
    assert 'id="count-imported">6<' in page


class WorkerKilled(BaseException):
    """Stands for the worker process dying: nothing after it runs."""


@pytest.mark.usefixtures("private_media", "known_client")
def test_an_import_killed_mid_chunk_resumes_after_the_last_committed_chunk(
    manager, monkeypatch, django_capture_on_commit_callbacks
):
    http = browser(manager)
    post_upload(http, upload_file(SAMPLE_XLSX))
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)
    monkeypatch.setattr(import_run_module, "CHUNK_SIZE", 4)
    receive = import_run_module.receive_chunk
    calls = []

    def dying_receive(**kwargs):
        calls.append(kwargs["inquiries"])
        receive(**kwargs)
        if len(calls) == 3:  # the third chunk (rows 10-13), once its leads are inserted
            raise WorkerKilled

    monkeypatch.setattr(import_run_module, "receive_chunk", dying_receive)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        http.post(reverse("leads:import_confirm", args=[batch.pk]))

    batch.refresh_from_db()
    # Rows 2-9 (two chunks, three leads) are committed; the third chunk rolled back.
    assert (batch.status, batch.rows_done, batch.rows_imported) == (ImportStatus.RUNNING, 9, 3)
    assert Lead.objects.count() == 3
    assert batch.job.status == "running"

    monkeypatch.setattr(import_run_module, "receive_chunk", receive)
    run_lead_import(str(batch.job.pk))  # the task delivered again (acks late)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert (batch.rows_imported, batch.rows_new, batch.rows_linked) == (6, 5, 1)
    assert (batch.rows_duplicate_file, batch.rows_error, batch.rows_total) == (1, 5, 12)
    assert Lead.objects.count() == 6
    assert Lead.objects.filter(import_batch=batch).count() == 6


@pytest.mark.usefixtures("private_media")
def test_all_or_nothing_killed_half_way_leaves_nothing(
    manager, monkeypatch, django_capture_on_commit_callbacks
):
    http = browser(manager)
    content = b"E-mail\na@example.com\nb@example.com\nc@example.com\n"
    post_upload(http, upload_file(SAMPLE_CP1250, "trzy.csv", content), all_or_nothing=True)
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        post_mapping(http, batch)
    receive = import_run_module.receive_chunk

    def dying_receive(**kwargs):
        receive(**kwargs)  # the three leads inserted, the transaction not committed
        raise WorkerKilled

    monkeypatch.setattr(import_run_module, "receive_chunk", dying_receive)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        http.post(reverse("leads:import_confirm", args=[batch.pk]))
    assert Lead.objects.count() == 0
    batch.refresh_from_db()

    monkeypatch.setattr(import_run_module, "receive_chunk", receive)
    run_lead_import(str(batch.job.pk))

    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported) == (ImportStatus.DONE, 3)
    assert Lead.objects.count() == 3
