"""Real `celery worker` processes for the tests that kill one in the middle of a task
(SIGKILL) and let the next one take the unacknowledged task over: each runs in its own
process on the test's database, broker and queue, and is stopped at the end if still
running."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

from django.conf import settings
from django.db import connection


@contextmanager
def own_queue(broker_url: str, prefix: str, **conf) -> Iterator[str]:
    """This process publishes its tasks to a queue of the test's own on the real broker
    (`conf`: more Celery settings for the while, e.g. task_routes={}); the queue is purged
    and the settings put back afterwards."""
    from crm.celery import app
    from tests.conftest import forget_connections

    name = f"{prefix}-{os.getpid()}-{uuid4().hex[:8]}"
    changes = {
        "task_always_eager": False,
        "broker_url": broker_url,
        "result_backend": broker_url,
        "task_default_queue": name,
        **conf,
    }
    saved = {key: app.conf[key] for key in changes}
    app.conf.update(changes)
    forget_connections(app)
    try:
        yield name
    finally:
        app.control.purge()
        app.conf.update(saved)
        forget_connections(app)


def test_database_url(name: str | None = None) -> str:
    """The test database (or the database `name` on its server), as another process
    reaches it: it sees what the test commits."""
    db = connection.settings_dict
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{name or db['NAME']}"


class WorkerProcesses:
    """`start(name)` starts a solo worker consuming `queue` on `broker_url` with this
    environment (on top of the test settings and database; None removes a variable) and
    returns it once it is ready; `stop()` ends those still running."""

    def __init__(
        self,
        *,
        queue: str,
        log_dir: Path,
        broker_url: str,
        ready_by_log: bool = False,
        **environment: str | None,
    ):
        self.queue = queue
        self.ready_by_log = ready_by_log
        self.log_dir = log_dir
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "crm.settings.test",
            "LEJEK_TEST_REAL_CELERY": "1",
            "DATABASE_URL": test_database_url(),
            "LEJEK_TEST_CELERY_QUEUE": queue,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": broker_url,
            **environment,
        }
        # A variable given as None is one the workers must not have.
        self.env = {key: value for key, value in environment.items() if value is not None}
        self.processes: list[subprocess.Popen] = []

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self, name: str) -> subprocess.Popen:
        """Start a worker and return it once ready: once it answers a ping (on the broker
        this process publishes to), or, with `ready_by_log`, once its log says so (a
        worker on another broker, or busy with a task, answers no ping of ours)."""
        from crm.celery import app

        node = f"{name}-{os.getpid()}@lejek-test"
        log = self.log(name)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "-P", "solo", "-c", "1"]
            + ["-Q", self.queue, "-n", node, "--loglevel", "INFO"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        deadline = time.monotonic() + 30
        while not self._ready(app, node, log):
            assert process.poll() is None, f"the worker died:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{log.read_text()}"
        return process

    def _ready(self, app, node: str, log: Path) -> bool:
        if self.ready_by_log:
            time.sleep(0.1)
            return f"{node} ready." in log.read_text()
        return bool(app.control.ping(destination=[node], timeout=0.5))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
