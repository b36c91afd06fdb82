"""Intake → email (``manage.py bench_intake``, its last phase): how long an inquiry posted
to the running gunicorn takes to reach its assignee's mailbox, through Redis and ONE
Celery worker process (solo pool) sending to an SMTP sink on loopback.

The inquiries are posted at a steady rate from a few threads; each answer's lead id is
matched with the email whose Message-ID names it (see
``notifications.services.notification_message_id``). Every lead must get exactly one
email; the latency is from just before the POST to the sink's receipt of the message.
"""

from __future__ import annotations

import json
import logging
import math
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings
from django.core.management.base import CommandError
from django.urls import reverse

from .intake_server import Gunicorn, free_port, http_request

TARGET_P95_S = 5.0
# lead_assigned.<lead id>.<recipient id>@host, from the notification's key.
MESSAGE_ID = re.compile(r"<lead_assigned\.(\d+)\.\d+@")


class TimedSink:
    """An SMTP server on 127.0.0.1 that notes when each email arrived and whom it names."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: list[tuple[float, str]] = []  # (time.time(), Message-ID)
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> TimedSink:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every command
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._controller.stop()

    async def handle_DATA(self, server, session, envelope) -> str:
        arrived = time.time()
        header = re.search(rb"^Message-ID:\s*(\S+)", envelope.original_content, re.I | re.M)
        with self._lock:
            self.arrivals.append((arrived, header.group(1).decode() if header else ""))
        return "250 Message accepted for delivery"


class Worker:
    """`celery worker` with one solo process on the server's broker, database and sink;
    stopped on exit."""

    def __init__(self, server: Gunicorn, *, sink: TimedSink, log_path: Path) -> None:
        self.env = {
            **server.environment(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink.port),
            "EMAIL_USE_TLS": "0",
            "LOG_LEVEL": "WARNING",
        }
        self.broker_url = server.config.redis_url
        self.node = f"bench-mail-{time.monotonic_ns()}@lejek"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        command = [
            sys.executable, "-m", "celery", "-A", "crm", "worker", "-P", "solo", "-c", "1",
            "-n", self.node, "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        # Not the current app: Lejek's tasks (shared_task) must keep publishing through
        # crm.celery's app in this process afterwards.
        control = Celery(broker=self.broker_url, set_as_current=False)
        try:
            deadline = time.monotonic() + 60
            while not control.control.ping(destination=[self.node], timeout=0.5):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise CommandError(f"the Celery worker did not start:\n{self._log_tail()}")
        finally:
            control.close()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@dataclass
class MailResult:
    posted: int
    rate_per_s: float
    answered: dict[int, float] = field(default_factory=dict)  # lead id → time posted
    statuses: Counter = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)
    emails_per_lead: Counter = field(default_factory=Counter)
    unexpected_emails: int = 0

    @property
    def delivered(self) -> int:
        return len(self.latencies_s)

    @property
    def duplicated(self) -> int:
        return sum(1 for n in self.emails_per_lead.values() if n > 1)

    @property
    def missing(self) -> int:
        return len(self.answered) - self.delivered

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else math.nan

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_s) if self.latencies_s else math.nan

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.duplicated == 0 and self.percentile(0.95) < TARGET_P95_S


def mail_phase(
    *,
    server: Gunicorn,
    token: str,
    run_id: str,
    count: int,
    rate_per_s: float,
    workdir: Path,
    wait_s: float = 120,
) -> MailResult:
    """Post `count` new people's inquiries at `rate_per_s` while one worker sends the
    assignees' emails into the sink; wait up to `wait_s` for the last of them."""
    result = MailResult(posted=count, rate_per_s=rate_per_s)
    path = reverse("intake_api")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.monotonic()
    lock = threading.Lock()

    def post(n: int) -> None:
        # Paced: the n-th inquiry leaves n / rate seconds after the first.
        time.sleep(max(0.0, started + n / rate_per_s - time.monotonic()))
        body = json.dumps(
            {
                "external_id": f"{run_id}-mail-{n}",
                "first_name": "Poczta",
                "last_name": f"Pomiar {n}",
                "email": f"mail.{run_id}.{n}@example.com",
                "consents": {"processing": True},
            }
        ).encode()
        posted_at = time.time()
        status, answer = http_request(server.base_url, "POST", path, body, headers)
        with lock:
            result.statuses[status] += 1
            if status == 201:
                result.answered[json.loads(answer)["id"]] = posted_at

    with TimedSink() as sink, Worker(server, sink=sink, log_path=workdir / "celery.log"):
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(post, range(count)))
        deadline = time.monotonic() + wait_s
        while len(sink.arrivals) < len(result.answered) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # a copy sent twice would arrive by now
        arrivals = list(sink.arrivals)
    for arrived, message_id in arrivals:
        match = MESSAGE_ID.match(message_id)
        lead_id = int(match.group(1)) if match else None
        if lead_id not in result.answered:
            result.unexpected_emails += 1
            continue
        result.emails_per_lead[lead_id] += 1
        if result.emails_per_lead[lead_id] == 1:
            result.latencies_s.append(arrived - result.answered[lead_id])
    return result
