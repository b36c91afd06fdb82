"""gunicorn serving Lejek as in production, for the intake benchmark: production
settings (DEBUG off) on a free loopback port, stopped whatever happens."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.urls import reverse

from leads.bench.measure import _database_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerConfig:
    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1
    redis_url: str = "redis://127.0.0.1:6379/12"
    conn_max_age: int | None = None  # None: production's default


class Gunicorn:
    """gunicorn serving crm.wsgi on a free loopback port, stopped on exit whatever happens."""

    def __init__(self, config: ServerConfig, *, log_path: Path) -> None:
        self.config = config
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        c = self.config
        return {
            **os.environ,
            # manage.py set the dev settings in this process; the server runs production's.
            "DJANGO_SETTINGS_MODULE": "crm.settings.production",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # No TLS proxy in front of the loopback: plain HTTP must not be redirected.
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": _database_url(),
            **({"DB_CONN_MAX_AGE": str(c.conn_max_age)} if c.conn_max_age is not None else {}),
            "REDIS_URL": c.redis_url,
            "CELERY_BROKER_URL": c.redis_url,
            "CELERY_RESULT_BACKEND": c.redis_url,
            "LOG_LEVEL": "WARNING",
        }

    def command(self) -> list[str]:
        c = self.config
        command = [
            sys.executable, "-m", "gunicorn", "crm.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(c.workers),
            "--worker-class", c.worker_class,
            "--chdir", str(settings.BASE_DIR),
            "--backlog", "2048",
        ]  # fmt: skip
        if c.worker_class == "gthread":
            command += ["--threads", str(c.threads)]
        return command

    def __enter__(self) -> Gunicorn:
        log = self.log_path.open("wb")
        # Its own session: the master and its workers are stopped together.
        self.process = subprocess.Popen(
            self.command(),
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            self._wait_until_up(timeout=60)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_until_up(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn exited:\n{self.log_tail()}")
            try:
                # Any answer will do (the API answers GET with 405): the workers import
                # Django lazily, so both are warmed by the first requests of the run.
                status, _body = http_request(self.base_url, "GET", reverse("intake_api"))
            except OSError:
                time.sleep(0.2)
                continue
            if status >= 500:
                raise CommandError(f"gunicorn answers {status}:\n{self.log_tail()}")
            return
        raise CommandError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def http_request(
    base_url: str, method: str, path: str, body: bytes | None = None, headers=None
) -> tuple[int, bytes]:
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
