"""A worker killed (SIGKILL) in the middle of an import. Each chunk of rows commits with the
batch's `rows_done`; the task is acknowledged only at its end, so Redis hands it to the
next worker, which resumes after the last committed chunk. Whatever the moment of the
kill, every row's lead exists once and the batch reads as if one run had done it all."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from leads.imports.rows import EXTERNAL_ID_PREFIX
from leads.models import ImportBatch, ImportStatus, IntakeReceipt, Lead
from tests.worker_processes import WorkerProcesses, own_queue

from .import_fixtures import SAMPLE_CP1250, browser, post_mapping, post_upload, upload_file

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# A Redis database of its own (tests/notifications/test_worker_killed.py has 13, the
# in-thread worker 14): the worker restores unacknowledged messages after a second.
BROKER_URL = "redis://127.0.0.1:6379/11"
ROWS = 2000
CHUNK_ROWS = 200  # the worker's chunk: ten commits in the file


@pytest.fixture
def queue():
    """The test's own queue on the real broker; every task (the import's too, which
    settings route to the heavy queue) goes to it."""
    with own_queue(BROKER_URL, "lejek-test-import-killed", task_routes={}) as name:
        yield name


@pytest.fixture
def start_worker(queue, smtp_sink, tmp_path, private_media):
    """Start `celery worker` processes on the test's queue, database, files and SMTP
    sink; each is stopped at the end if still running."""
    workers = WorkerProcesses(
        queue=queue,
        log_dir=tmp_path,
        broker_url=BROKER_URL,
        MEDIA_ROOT=str(private_media),
        LEJEK_IMPORT_CHUNK_SIZE=str(CHUNK_ROWS),
        EMAIL_HOST=smtp_sink.host,
        EMAIL_PORT=str(smtp_sink.port),
        LEJEK_BASE_URL=settings.LEJEK_BASE_URL,
    )
    yield workers.start
    workers.stop()


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def big_file() -> tuple[bytes, dict[str, int]]:
    """ROWS rows (header on row 1): new people, every 50th row a copy of the row above,
    every 125th a bad email; and what a single run would count."""
    lines = ["Imię;Nazwisko;E-mail;Telefon"]
    for n in range(ROWS):
        if n % 125 == 124:
            lines.append(f"Zły;Adres{n};nie-mail-{n}@;")
        elif n % 50 == 49:
            lines.append(lines[-1])
        else:
            lines.append(f"Osoba;Numer{n};osoba.{n}@example.org;")
    expected = {
        "rows_total": ROWS,
        "rows_error": ROWS // 125,
        "rows_duplicate_file": sum(1 for n in range(ROWS) if n % 50 == 49 and n % 125 != 124),
    }
    expected["rows_new"] = ROWS - expected["rows_error"] - expected["rows_duplicate_file"]
    return ("\n".join(lines) + "\n").encode("cp1250"), expected


def wait_for(condition, what: str, timeout: float = 120, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"waited {timeout} s for {what}")


def batch_now(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.select_related("job").get(pk=batch.pk)


def test_an_import_whose_worker_is_killed_mid_file_is_finished_by_the_next_worker(
    manager, start_worker
):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot share the in-memory SQLite test database")
    content, expected = big_file()
    http = browser(manager)
    first = start_worker("first")
    assert post_upload(http, upload_file(SAMPLE_CP1250, "duzy.csv", content)).status_code == 302
    batch = ImportBatch.objects.get()
    assert post_mapping(http, batch).status_code == 302
    wait_for(lambda: batch_now(batch).status == ImportStatus.CHECKED, "the dry run")
    assert {name: getattr(batch_now(batch), name) for name in expected} == expected

    assert http.post(reverse("leads:import_confirm", args=[batch.pk])).status_code == 302
    # Killed once some chunks are committed, well before the end of the file.
    wait_for(lambda: batch_now(batch).rows_done > 0, "the first committed chunk", every=0.005)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    killed = batch_now(batch)
    assert killed.status == ImportStatus.RUNNING
    assert 0 < killed.rows_done < ROWS + 1
    assert Lead.objects.filter(import_batch=batch).count() == killed.rows_imported < ROWS

    start_worker("second")  # takes the unacknowledged task over from Redis
    done = wait_for(
        lambda: (b := batch_now(batch)).status not in (ImportStatus.RUNNING,) and b,
        "the second worker to finish the import",
    )
    # The batch ends "done" a moment before its background job records the end too.
    done = wait_for(
        lambda: (b := batch_now(batch)).job.status != "running" and b,
        "the import's job to record its end",
        timeout=30,
    )

    assert done.status == ImportStatus.DONE, done.error
    assert done.rows_done == ROWS + 1  # the last row of the file (the header is row 1)
    assert {name: getattr(done, name) for name in expected} == expected
    assert done.rows_imported == done.rows_new == expected["rows_new"]
    assert done.rows_linked == done.rows_duplicate_db == 0
    # Every row's lead exactly once, by its external id.
    external_ids = list(
        Lead.objects.filter(import_batch=batch).values_list("external_id", flat=True)
    )
    assert len(external_ids) == len(set(external_ids)) == expected["rows_new"]
    assert all(external_id.startswith(EXTERNAL_ID_PREFIX) for external_id in external_ids)
    assert IntakeReceipt.objects.filter(external_id__in=external_ids).count() == len(external_ids)
    assert Lead.objects.count() == expected["rows_new"]
    assert done.job.status == "done" and done.job.progress == ROWS
    page = http.get(done.get_absolute_url()).content.decode()
    assert f'id="count-imported">{expected["rows_new"]}<' in page
