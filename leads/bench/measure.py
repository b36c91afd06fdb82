"""Timing the lead workspace against the current database (``manage.py bench``).

Pages are requested in-process through django.test.Client with force_login: no network
and no server, so a figure is Django + PostgreSQL for that page (the test client keeps
one database connection; a web process with DB_CONN_MAX_AGE=0 also pays a connect per
request). Every page is warmed up once, its SQL queries counted once, then timed in
rounds over all pages so that a burst of load elsewhere on the machine spreads over every
page instead of spoiling one.

The export is timed in a child process per run (``bench --export-only``): its peak RSS is
then the export's own, not the benchmark's.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from clients.models import Client
from crm.core.models import Role, User
from leads.models import Lead, LeadStatus

# The targets at 1 000 000 leads (median, ms).
PAGE_TARGET_MS = 150
SEARCH_TARGET_MS = 100
EXPORT_TARGET_S = 5
EXPORT_TARGET_RSS_MB = 250


class TimingStats:
    """Median, CPU median and p95 of the `timings_ms` and `cpu_ms` a timed thing keeps."""

    timings_ms: list[float]
    cpu_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Page(TimingStats):
    key: str
    label: str
    user: User
    url: str
    target_ms: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 0
    queries: int = 0
    size_kb: float = 0.0
    timings_ms: list[float] = field(default_factory=list)
    # This process's CPU time per request (Django's own work, not PostgreSQL's): on a busy
    # machine wall time grows with the load, CPU time much less.
    cpu_ms: list[float] = field(default_factory=list)


@dataclass
class Subjects:
    """Who and what the pages are about: the biggest branch, its manager, its busiest
    advisor, a client phone, a lead with history."""

    branch_id: int
    branch_name: str
    branch_leads: int
    manager: User
    advisor: User
    advisor_leads: int
    status: LeadStatus
    phone_typed: str
    lead_with_history: int
    history_records: int


def biggest_branch() -> dict:
    """The branch with the most leads: its id, name and lead count (branch_id,
    branch__name, n); refused on a database without leads."""
    biggest = (
        Lead.objects.values("branch_id", "branch__name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if biggest is None:
        raise CommandError("No leads here: run manage.py generate_bench_data first.")
    return biggest


def find_subjects() -> Subjects:
    biggest = biggest_branch()
    branch_id = biggest["branch_id"]
    manager = User.objects.filter(role=Role.MANAGER, branch_id=branch_id, is_active=True).first()
    busiest = (
        Lead.employees.through.objects.filter(
            user__branch_id=branch_id, user__role=Role.ADVISOR, user__is_active=True
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if manager is None or busiest is None:
        raise CommandError(f"Branch {biggest['branch__name']} needs a manager and an advisor.")
    phone = (
        Client.objects.filter(
            branch_id=branch_id, phone_e164__startswith="+48", leads__isnull=False
        )
        .order_by("-id")
        .values_list("phone_e164", flat=True)
        .first()
    )
    if phone is None:
        raise CommandError("No client of the branch has a Polish phone number and a lead.")
    history = Lead.history.model.objects
    with_history = (
        history.filter(branch_id=branch_id)
        .values("id")
        .annotate(n=Count("history_id"))
        .order_by("-n", "-id")
        .first()
    )
    if with_history is None:
        raise CommandError("No lead of the branch has history.")
    digits = phone.removeprefix("+48")
    return Subjects(
        branch_id=branch_id,
        branch_name=biggest["branch__name"],
        branch_leads=biggest["n"],
        manager=manager,
        advisor=User.objects.get(pk=busiest["user_id"]),
        advisor_leads=busiest["n"],
        # The first stage: where most open leads are.
        status=LeadStatus.objects.filter(active=True).order_by("order", "id").first(),
        # Typed differently from how it is stored: "600-100-200" finds "+48600100200".
        phone_typed=f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
        lead_with_history=with_history["id"],
        history_records=with_history["n"],
    )


def build_pages(subjects: Subjects, *, sizes: list[int]) -> list[Page]:
    s = subjects
    lead_list = reverse("leads:list")
    filtered = urlencode({"status": s.status.pk, "employee": s.advisor.pk})
    pages = [
        Page("list", "list, page 1", s.manager, lead_list, PAGE_TARGET_MS),
        Page("list_advisor", "list, page 1 (advisor)", s.advisor, lead_list, PAGE_TARGET_MS),
        *(
            Page(f"list_{size}", f"list, {size} rows", s.manager, f"{lead_list}?per_page={size}")
            for size in sizes
        ),
        Page("filtered", "list: status + employee", s.manager, f"{lead_list}?{filtered}"),
        # The grid: the list's page of leads as cards (issue 19), within the list's budget.
        Page("grid", "grid, page 1", s.manager, f"{lead_list}?view=grid", PAGE_TARGET_MS),
        Page("grid_advisor", "grid, page 1 (advisor)", s.advisor, f"{lead_list}?view=grid"),
        Page(
            "search_phone",
            f"search phone {s.phone_typed}",
            s.manager,
            f"{lead_list}?{urlencode({'q': s.phone_typed})}",
            SEARCH_TARGET_MS,
        ),
        Page("kanban", "kanban", s.manager, reverse("leads:kanban"), PAGE_TARGET_MS),
        Page("kanban_advisor", "kanban (advisor)", s.advisor, reverse("leads:kanban")),
        Page(
            "detail",
            "detail",
            s.manager,
            reverse("leads:detail", args=[s.lead_with_history]),
            PAGE_TARGET_MS,
        ),
        Page(
            "history",
            "history tab",
            s.manager,
            reverse("leads:tab", args=[s.lead_with_history, "history"]),
            headers={"HX-Request": "true"},  # the tab is an htmx partial
        ),
    ]
    return pages


def _get(client: TestClient, page: Page) -> tuple[int, int]:
    response = client.get(page.url, headers=page.headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, len(body)


def time_pages(pages: list[Page], *, runs: int, progress: Callable[[str], None]) -> None:
    """Warm up and count the queries of every page, then time `runs` rounds."""
    clients: dict[int, TestClient] = {}
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for page in pages:
            if page.user.pk not in clients:
                clients[page.user.pk] = TestClient()
                clients[page.user.pk].force_login(page.user)
            client = clients[page.user.pk]
            page.status, _ = _get(client, page)
            with CaptureQueriesContext(connection) as queries:
                page.status, size = _get(client, page)
            page.queries = len(queries)
            page.size_kb = size / 1024
        live = [page for page in pages if page.status == 200]
        for run in range(runs):
            for page in live:
                started, cpu_started = time.perf_counter(), time.process_time()
                status, _ = _get(clients[page.user.pk], page)
                page.timings_ms.append((time.perf_counter() - started) * 1000)
                page.cpu_ms.append((time.process_time() - cpu_started) * 1000)
                if status != 200:
                    page.status = status
            if (run + 1) % 10 == 0:
                progress(f"  {run + 1}/{runs} rounds")


# -- the export, in a child process --------------------------------------------------------


def export_once(*, user_id: int, rows: int) -> dict:
    """In the child: write the user's first `rows` leads (default sort) as .xlsx to a
    temporary file; time it, and read this process's peak RSS."""
    from leads.exports import leads_for_export, write_leads_xlsx

    user = User.objects.get(pk=user_id)
    with tempfile.TemporaryFile() as warm_up:
        # Imports and first-query costs once, as in a long-running worker.
        write_leads_xlsx(leads_for_export(user=user, query="")[:20], warm_up)
    baseline = _proc_status_kb("VmRSS")
    with tempfile.TemporaryFile() as file_obj:
        started, cpu_started = time.perf_counter(), time.process_time()
        written = write_leads_xlsx(leads_for_export(user=user, query="")[:rows], file_obj)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        size = file_obj.tell()
    return {
        "rows": written,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "bytes": size,
        "baseline_rss_kb": baseline,
        "peak_rss_kb": _proc_status_kb("VmHWM"),
    }


def _proc_status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    return 0


def _database_url() -> str:
    """The URL of the database this process uses (the test database, in tests), so that
    the child reads the same rows."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def export_user(subjects: Subjects, rows: int) -> User:
    """The manager exports their branch's list; when the branch has fewer leads than the
    export should have rows (the small data set), an administrator exports everybody's."""
    if subjects.branch_leads >= rows:
        return subjects.manager
    administrator = (
        User.objects.filter(is_active=True, role=Role.ADMINISTRATOR).order_by("pk").first()
    )
    return administrator or subjects.manager


def measure_export(*, user_id: int, rows: int, runs: int) -> list[dict]:
    """Run the export `runs` times, each in a fresh child process."""
    env = {**os.environ, "DATABASE_URL": _database_url()}
    command = [
        sys.executable,
        str(Path(settings.BASE_DIR) / "manage.py"),
        "bench",
        "--export-only",
        f"--export-user={user_id}",
        f"--export-rows={rows}",
    ]
    results = []
    for _ in range(runs):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise CommandError(f"The export child failed:\n{done.stderr[-2000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def data_sizes() -> dict[str, int]:
    return {
        "leads": Lead.objects.count(),
        "clients": Client.objects.count(),
        "lead-client links": Lead.clients.through.objects.count(),
        "history records": Lead.history.model.objects.count(),
    }


def cpu_reference_ms() -> float:
    """How fast this machine runs plain Python right now (best of 5 sum(range(10**6))):
    about 12–15 ms on a current laptop; more means a slower or busier CPU."""
    return min(timeit.repeat("sum(range(10**6))", number=1, repeat=5)) * 1000


def database_description() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"PostgreSQL {version}, database {connection.settings_dict['NAME']!r}"
