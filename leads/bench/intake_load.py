"""The intake API under load (``manage.py bench_intake``).

The API is served as in production: gunicorn with ``crm.wsgi`` (production settings,
DEBUG off) on a loopback port, the Celery broker and the cache on Redis, so every inquiry
pays for its rate-limit counter and for queueing its notification. wrk drives it with
``intake.lua`` for a fixed time; afterwards the rows are counted against the answers:
every 201 must have its lead (nothing lost) and no external id may have two (nothing
duplicated). A second, short phase posts the same external id many times at once, as a
sender's retries would.

The server is in intake_server.py, the in-process figures (queries of one request, client
candidates) in intake_profile.py, the intake → email phase in intake_mail.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.urls import reverse

from clients.models import Client, LeadSource
from clients.services import source_rotate_intake_token
from crm.core.models import Role, User
from investments.models import Investment
from leads.models import AssignmentRule, AssignmentStrategy, IntakeReceipt, Lead

from .intake_server import http_request

SOURCE_NAME = "Bench intake"
SOURCE_SLUG = "bench-intake"
RULE_NAME = "Bench intake: round robin"
LUA_SCRIPT = Path(__file__).with_name("intake.lua")
# The targets: sustained inquiries per second and the 99th percentile.
TARGET_LEADS_PER_S = 300
TARGET_P99_MS = 150


# -- the source and the run ----------------------------------------------------------------------


def new_run_id() -> str:
    """Short, sortable and unique enough for one machine: the external ids' prefix."""
    return f"b{datetime.now():%m%d%H%M%S}"


def bench_source(*, rate_per_minute: int) -> tuple[LeadSource, str]:
    """The bench's own source with a fresh token and a limit the load never reaches."""
    source, _created = LeadSource.objects.get_or_create(
        slug=SOURCE_SLUG, defaults={"name": SOURCE_NAME, "order": 999}
    )
    source.active = True
    source.intake_rate_per_minute = rate_per_minute
    source.save(update_fields=["active", "intake_rate_per_minute"])
    return source, source_rotate_intake_token(source=source)


def bench_rule(source: LeadSource) -> AssignmentRule:
    """Inquiries of the bench's source go round robin to the advisors of the first branch,
    as a portal's would: the rule, its pool and its turn are part of every request."""
    rule, _created = AssignmentRule.objects.get_or_create(
        name=RULE_NAME, defaults={"strategy": AssignmentStrategy.ROUND_ROBIN, "priority": 1}
    )
    rule.sources.set([source])
    branch_id = (
        User.objects.filter(role=Role.ADVISOR, is_active=True, branch__isnull=False)
        .order_by("branch_id")
        .values_list("branch_id", flat=True)
        .first()
    )
    rule.pool.set(User.objects.filter(role=Role.ADVISOR, is_active=True, branch_id=branch_id))
    return rule


def write_contacts_file(path: Path, *, clients: int) -> int:
    """Existing clients' phone (as typed) and email, and the investments' codes and names,
    for the Lua script. Returns the number of clients written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, email FROM clients_client WHERE phone <> '' OR email <> '' "
            "ORDER BY random() LIMIT %s",
            [clients],
        )
        rows = cursor.fetchall()
    investments = Investment.objects.values_list("code", "name")
    lines = [f"c\t{_plain(phone)}\t{_plain(email)}" for phone, email in rows]
    for code, name in investments:
        lines += [f"i\t{_plain(code)}", f"i\t{_plain(name)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


def run_digits(run_id: str) -> str:
    """Three digits of the run for the phones of the in-process and retry requests."""
    return f"{zlib.crc32(run_id.encode()) % 1000:03d}"


def _plain(value: str) -> str:
    # The Lua script quotes values into JSON without escaping.
    return value.replace("\\", "").replace('"', "").replace("\t", " ")


# -- wrk -----------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise CommandError(
            "wrk is not installed: `make bench-intake` installs it (as root, Debian's "
            "package), or apt-get install wrk."
        )
    return wrk


@dataclass
class LoadResult:
    duration_s: float
    requests: int
    statuses: dict[str, int]
    outcomes: dict[str, int]
    errors: dict[str, int]
    latency_ms: dict[str, float]
    max_ms: float
    # (outcome, lead id) of every 201 answer.
    answers: list[tuple[str, int]] = field(default_factory=list)
    wrk_output: str = ""

    @property
    def created(self) -> int:
        return self.statuses.get("201", 0)

    @property
    def leads_per_s(self) -> float:
        return self.created / self.duration_s

    @property
    def non_2xx(self) -> dict[str, int]:
        return {code: n for code, n in self.statuses.items() if not code.startswith("2")}


def run_wrk(
    *,
    base_url: str,
    token: str,
    run_id: str,
    contacts: Path,
    existing_share: float,
    duration_s: int,
    connections: int,
    threads: int,
    workdir: Path,
) -> LoadResult:
    ids_path = workdir / "answers.txt"
    env = {
        **os.environ,
        "BENCH_INTAKE_TOKEN": token,
        "BENCH_INTAKE_RUN": run_id,
        "BENCH_INTAKE_CONTACTS": str(contacts),
        "BENCH_INTAKE_EXISTING": str(existing_share),
        "BENCH_INTAKE_IDS": str(ids_path),
    }
    command = [
        ensure_wrk(), "--latency", "--timeout", "10s",
        "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s",
        "-s", str(LUA_SCRIPT), base_url + reverse("intake_api"),
    ]  # fmt: skip
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration_s + 120, check=False
    )
    result_line = next(
        (line for line in done.stdout.splitlines() if line.startswith("intake-result ")), None
    )
    if done.returncode != 0 or result_line is None:
        raise CommandError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(result_line.removeprefix("intake-result "))
    answers = []
    for line in ids_path.read_text().splitlines():
        outcome, _space, lead_id = line.partition(" ")
        answers.append((outcome, int(lead_id)))
    return LoadResult(
        duration_s=raw["duration_us"] / 1e6,
        requests=raw["requests"],
        statuses=raw["statuses"],
        outcomes=raw["outcomes"],
        errors=raw["errors"],
        latency_ms={p: us / 1000 for p, us in raw["latency_us"]["percentiles"].items()},
        max_ms=raw["latency_us"]["max"] / 1000,
        answers=answers,
        wrk_output=done.stdout,
    )


# -- what was stored -----------------------------------------------------------------------------


@dataclass
class Tally:
    answered_201: int
    receipts: int
    leads: int
    distinct_external_ids: int
    duplicated_external_ids: int
    duplicated_receipts: int
    # New leads recognised as a known client's repeat inquiry.
    repeats: int
    # 201 answers whose lead is neither stored as one of this run's leads ("created") nor
    # linked from one of this run's receipts ("appended" to a client's lead).
    lost: int

    @property
    def unanswered(self) -> int:
        """Deliveries stored without a 201 read by wrk: those in flight when it stopped."""
        return self.receipts - (self.answered_201 - self.lost)


def load_external_ids(run_id: str) -> str:
    """The external ids the Lua script makes: "<run>-<thread>-<counter>"."""
    return rf"^{run_id}-[0-9]+-[0-9]+$"


def count_rows(*, source: LeadSource, run_id: str, answers: list[tuple[str, int]]) -> Tally:
    pattern = load_external_ids(run_id)
    leads = Lead.objects.filter(source=source, external_id__regex=pattern)
    receipts = IntakeReceipt.objects.filter(source=source, external_id__regex=pattern)
    lead_ids = set(leads.values_list("id", flat=True))
    receipt_lead_ids = set(receipts.values_list("lead_id", flat=True))
    lost = sum(
        1
        for outcome, lead_id in answers
        if lead_id not in (lead_ids if outcome == "created" else receipt_lead_ids)
    )
    return Tally(
        answered_201=len(answers),
        receipts=receipts.count(),
        leads=len(lead_ids),
        distinct_external_ids=leads.values("external_id").distinct().count(),
        duplicated_external_ids=_duplicated(leads),
        duplicated_receipts=_duplicated(receipts),
        repeats=leads.filter(is_repeat=True).count(),
        lost=lost,
    )


def _duplicated(queryset) -> int:
    return queryset.values("external_id").annotate(n=Count("id")).filter(n__gt=1).count()


# -- retries of one delivery ---------------------------------------------------------------------


@dataclass
class RetryRound:
    external_id: str
    statuses: Counter
    lead_ids: set[int]
    stored_leads: int
    stored_receipts: int

    @property
    def ok(self) -> bool:
        return (
            self.statuses.get(201, 0) == 1
            and self.stored_receipts == 1
            and self.stored_leads <= 1
            and len(self.lead_ids) == 1
        )


def retry_phase(
    *, base_url: str, token: str, source: LeadSource, run_id: str, concurrency: int, rounds: int
) -> list[RetryRound]:
    """Post the same inquiry `concurrency` times at once, `rounds` times: one 201, the
    rest 200 with the same lead, one lead stored."""
    path = reverse("intake_api")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    results = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for round_no in range(1, rounds + 1):
            external_id = f"{run_id}-retry-{round_no}"
            body = json.dumps(
                {
                    "external_id": external_id,
                    "first_name": "Ponowiona",
                    "last_name": "Dostawa",
                    "email": f"retry.{run_id}.{round_no}@example.com",
                    "phone": f"+48 578 {round_no:03d} {run_digits(run_id)}",
                    "consents": {"processing": True},
                }
            ).encode()
            barrier = threading.Barrier(concurrency)

            def post(_n: int, body: bytes = body, barrier: threading.Barrier = barrier):
                barrier.wait()
                return http_request(base_url, "POST", path, body, headers)

            answers = list(pool.map(post, range(concurrency)))
            results.append(
                RetryRound(
                    external_id=external_id,
                    statuses=Counter(status for status, _body in answers),
                    lead_ids={
                        json.loads(body)["id"] for status, body in answers if status in (200, 201)
                    },
                    stored_leads=Lead.objects.filter(
                        source=source, external_id=external_id
                    ).count(),
                    stored_receipts=IntakeReceipt.objects.filter(
                        source=source, external_id=external_id
                    ).count(),
                )
            )
    return results


# -- Redis and clean-up --------------------------------------------------------------------------


def queued_and_flush(redis_url: str) -> int:
    """How many Celery messages wait in the bench's Redis database; then empty it (the
    queue, the rate-limit counters and the cache), since no worker will send them."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        queued = client.llen("celery")
        client.flushdb()
    finally:
        client.close()
    return queued


def check_redis(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.RedisError as error:
        raise CommandError(f"Redis at {redis_url} does not answer: {error}") from error
    finally:
        client.close()


def delete_run(*, source: LeadSource, run_id: str) -> int:
    """The run's leads (with their links, events and notifications), their history and
    receipts. Returns the number of leads deleted."""
    prefix = f"{run_id}-"
    leads = Lead.objects.filter(source=source, external_id__startswith=prefix)
    lead_ids = list(leads.values_list("id", flat=True))
    with transaction.atomic():
        leads.delete()
        # Including the "deleted" records the deletion itself has just written.
        Lead.history.filter(id__in=lead_ids).delete()
        IntakeReceipt.objects.filter(source=source, external_id__startswith=prefix).delete()
    return len(lead_ids)


def data_sizes() -> dict[str, int]:
    return {
        "clients": Client.objects.count(),
        "leads": Lead.objects.count(),
        "leads of the bench source": Lead.objects.filter(source__slug=SOURCE_SLUG).count(),
    }


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="bench-intake-"))
