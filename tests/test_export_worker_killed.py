"""A large export runs on the heavy queue (CELERY_TASK_ROUTES). Its worker is killed with
SIGKILL in the middle of the job: the task was not acknowledged, so Redis hands it to the
next worker of that queue, which starts the job over and finishes it — one job, done, with
one file that the manager downloads whole. And a file left behind by a run killed between
storing it and recording it is replaced, not joined by a second one."""

from __future__ import annotations

import io
import os
import signal
import time
from uuid import uuid4

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from openpyxl import load_workbook

from crm.core.jobs import job_run
from crm.core.models import BackgroundJob
from crm.core.storage import private_storage
from leads.exports import LEAD_EXPORT, write_lead_export_job
from tests.conftest import forget_connections
from tests.factories import LeadFactory
from tests.redis_server import RedisServer
from tests.worker_processes import WorkerProcesses

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

LEADS = 30


@pytest.fixture
def queues(settings):
    """A broker of the test's own (its workers restore an unacknowledged message after a
    second), a heavy queue that the export is routed to, and a default queue that nobody
    consumes: an export sent anywhere but the heavy queue would never run."""
    from crm.celery import app

    redis = RedisServer()
    redis.start()
    heavy, default = (f"lejek-test-{kind}-{uuid4().hex[:8]}" for kind in ("heavy", "default"))
    keys = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    saved = {key: app.conf[key] for key in (*keys, "task_routes")}
    app.conf.update(
        task_always_eager=False,
        broker_url=f"{redis.url}/0",
        result_backend=f"{redis.url}/0",
        task_default_queue=default,
        task_routes={name: {"queue": heavy} for name in settings.LEJEK_HEAVY_TASKS},
    )
    forget_connections(app)
    try:
        yield redis, heavy, default
    finally:
        app.conf.update(saved)
        forget_connections(app)
        redis.stop()


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def start_heavy_worker(queues, private_media, tmp_path):
    """Start `celery worker -Q <heavy queue>` processes on the test's database and media
    folder; each is stopped at the end if still running. Each start gives the process and
    its log."""
    redis, heavy, default = queues
    workers = WorkerProcesses(
        queue=heavy,
        log_dir=tmp_path,
        ready_by_log=True,
        broker_url=f"{redis.url}/0",
        LEJEK_TEST_CELERY_QUEUE=default,
        MEDIA_ROOT=str(private_media),
        REDIS_URL=None,
    )
    yield lambda name: (workers.start(name), workers.log(name))
    workers.stop()


def lock_the_leads_table() -> psycopg.Connection:
    """Another session holding the leads table: a worker's export query waits for it, in
    the middle of the job (marked running, its rows not read yet)."""
    db = connection.settings_dict
    holder = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"],
        port=db["PORT"],
    )
    holder.execute("LOCK TABLE leads_lead IN ACCESS EXCLUSIVE MODE")
    return holder


def wait_until(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.1)


def a_session_waits_for_the_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def stored_exports(media) -> list:
    return sorted((media / "private" / "exports").rglob("*.xlsx"))


def test_an_export_whose_worker_is_killed_mid_job_is_finished_once_by_the_next_worker(
    settings, start_heavy_worker, private_media, manager
):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot share the in-memory SQLite test database")
    settings.LEJEK_SYNC_EXPORT_LIMIT = 10
    for n in range(LEADS):
        LeadFactory(name=f"Sprawa {n:02}", branch=manager.branch)
    http = HttpClient()
    http.force_login(manager)
    http.post(reverse("leads:export"))  # queued on the heavy queue; no worker runs yet
    job = BackgroundJob.objects.get()

    holder = lock_the_leads_table()
    try:
        first, first_log = start_heavy_worker("first")
        wait_until(
            lambda: (
                BackgroundJob.objects.filter(pk=job.pk, status="running").exists()
                and a_session_waits_for_the_lock()
            ),
            "the first worker is in the middle of the job",
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        holder.close()  # the lock goes with the session
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.RUNNING and not job.file
    assert "leads.tasks.run_lead_export" in first_log.read_text()

    second, second_log = start_heavy_worker("second")  # takes the unacknowledged task over

    wait_until(lambda: BackgroundJob.objects.get(pk=job.pk).is_finished, "the job is finished", 60)
    assert "leads.tasks.run_lead_export" in second_log.read_text()
    job.refresh_from_db()
    assert BackgroundJob.objects.count() == 1
    assert job.status == BackgroundJob.Status.DONE, job.error
    assert job.total == job.progress == LEADS
    assert stored_exports(private_media) == [private_media / "private" / job.file.name]
    download = http.get(reverse("core:job_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(names) == [f"Sprawa {n:02}" for n in range(LEADS)]


def test_a_file_left_by_a_run_killed_before_recording_it_is_replaced(private_media, manager):
    LeadFactory(name="Sprawa jedyna", branch=manager.branch)
    job = BackgroundJob.objects.create(user=manager, kind=LEAD_EXPORT, params={}, total=0)
    # What a worker killed between storing the file and recording the job leaves behind:
    # the job still running, its file on disk under the job's name.
    BackgroundJob.objects.filter(pk=job.pk).update(status=BackgroundJob.Status.RUNNING)
    left = job.file.field.generate_filename(job, f"{job.pk}.xlsx")
    private_storage.save(left, ContentFile(b"half of an old file"))

    job = job_run(job_id=str(job.pk), kind=LEAD_EXPORT, writer=write_lead_export_job)

    assert job.status == BackgroundJob.Status.DONE
    assert job.file.name == left
    assert stored_exports(private_media) == [private_media / "private" / left]
    sheet = load_workbook(job.file.open("rb")).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["Sprawa jedyna"]
