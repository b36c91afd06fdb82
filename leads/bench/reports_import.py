"""Issue 6's benchmark (``manage.py bench_reports``): the reports at a million leads and
the import of a 10 000-row file, on a database filled by ``generate_bench_data``.

- The setup tops up the conversations to ``conversations`` rows (the same set-wise
  ``INSERT … SELECT generate_series`` as ``bench_work``: done over the leads' lives) and
  gives the leads the events the response-time report measures from: each lead's first
  conversation of every kind (``first_phone``…, from its done conversations) and, on a
  lead with a client, ``client_created`` between the lead's creation and its first
  conversation. Run again, it only adds what is missing.
- The reports' pages and their .xlsx exports are timed as ``bench_work`` times its pages
  (in-process test client, a warm-up, the queries counted once, then rounds over all
  pages), for the biggest branch's manager and an administrator, over the whole range of
  dates; every SQL statement is cut at a timeout, and a page slower than a few seconds is
  timed twice only: a report that takes minutes must not hold the run for an hour.
- The import writes a fresh .xlsx file (new people, existing clients' phones and emails,
  rows repeated inside the file, bad rows), then uploads, maps (the dry run) and confirms
  it (the run) through the services, with Celery eager: end to end in this process.
"""

from __future__ import annotations

import logging
import random
import secrets
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from celery import current_app
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Min
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from openpyxl import Workbook

from clients.models import Client, LeadSource
from crm.core.excel import XLSX_CONTENT_TYPE
from crm.core.models import Role, User
from crm.core.normalization import fold_name
from leads.models import Activity, ImportBatch, Lead, LeadEvent
from leads.services.figures import lead_figures_rebuild

from .data import Step
from .measure import biggest_branch
from .people import FIRST_NAMES, SURNAMES_MASCULINE
from .work import WorkPage
from .work_data import FILLER_SQL, LIGHT_OR_HEAVY

# The targets (median, ms).
REPORT_TARGET_MS = 1_000
SOURCES_EXPORT_TARGET_MS = 3_000
IMPORT_TARGET_MS = 60_000
REPORTS = (
    ("sources", "reports:sources"),
    ("funnel", "reports:funnel"),
    ("response times", "reports:response_times"),
    ("repeat", "reports:repeat"),
)
# The import file: shares of its rows (the rest are new people).
LINKED_SHARE = 0.20
DUPLICATE_SHARE = 0.05
BAD_SHARE = 0.05
# Polish mobile numbers start so (the phone check refuses numbers no operator gives).
MOBILE_PREFIXES = ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")
HEADERS = (
    "Imię", "Nazwisko", "E-mail", "Telefon", "Wiadomość", "Data zgłoszenia",
    "Zgoda na przetwarzanie danych", "Zgoda marketingowa",
)  # fmt: skip
LOCMEM_EMAIL = "django.core.mail.backends.locmem.EmailBackend"
MISSING = "missing"
ERROR = "error"

# Each lead's first done conversation of every kind, as the conversation services record
# it (leads/services/conversations.py: FIRST_EVENT_OF_KIND).
FIRST_EVENTS_SQL = """
    INSERT INTO leads_leadevent (lead_id, kind, at)
    SELECT lead_id, 'first_' || kind, min(done_at)
    FROM leads_activity
    WHERE done_at IS NOT NULL AND kind IN ('phone', 'email', 'meeting', 'sms', 'other')
    GROUP BY lead_id, kind
    ON CONFLICT (lead_id, kind) DO NOTHING
"""
# A client created (the lead verified) on every lead with a client: minutes to two days
# after the lead, and never after its first conversation.
CLIENT_CREATED_SQL = """
    INSERT INTO leads_leadevent (lead_id, kind, at)
    SELECT l.id, 'client_created',
           GREATEST(l.created_at, LEAST(
               l.created_at + interval '5 minutes' + interval '2 days' * random() * random(),
               COALESCE(f.first_at - interval '1 minute', 'infinity')))
    FROM leads_lead l
    LEFT JOIN (
        SELECT lead_id, min(at) AS first_at FROM leads_leadevent
        WHERE kind IN ('first_phone', 'first_email', 'first_meeting', 'first_sms', 'first_other')
        GROUP BY lead_id
    ) f ON f.lead_id = l.id
    WHERE EXISTS (SELECT 1 FROM leads_lead_clients c WHERE c.lead_id = l.id)
    ON CONFLICT (lead_id, kind) DO NOTHING
"""
ANALYZE_TABLES = ("leads_activity", "leads_leadevent", "leads_lead")


# -- the setup -----------------------------------------------------------------------------


def reports_setup(*, conversations: int, seed: int, out: Callable[[str], None]) -> list[Step]:
    """Top up the conversations and the lead events; VACUUM (ANALYZE) what changed."""
    if not Lead.objects.exists():
        raise CommandError("No leads here: run manage.py generate_bench_data first.")
    steps: list[Step] = []

    def timed(name: str, step: Callable[[], int], *, atomic: bool = True) -> None:
        started = time.perf_counter()
        if atomic:
            with transaction.atomic():
                rows = step()
        else:
            rows = step()
        steps.append(Step(name, rows, time.perf_counter() - started))
        out(f"  {name}: {rows:,} rows in {steps[-1].seconds:.1f} s")

    timed("conversations", lambda: _top_up_conversations(conversations, seed))
    timed("first-conversation events", lambda: _execute(FIRST_EVENTS_SQL))
    timed("client-created events", lambda: _execute(CLIENT_CREATED_SQL))
    # The events above went in by SQL, past the services that keep the leads' figures.
    timed("leads' report figures", lead_figures_rebuild, atomic=False)
    timed("tables vacuumed and analysed", _vacuum_analyze, atomic=False)
    return steps


def _top_up_conversations(conversations: int, seed: int) -> int:
    need = conversations - Activity.objects.count()
    if need <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [random.Random(seed).random() * 2 - 1])
        cursor.execute(FILLER_SQL, {"n": need, "t": timezone.now(), "heavy": LIGHT_OR_HEAVY})
        return cursor.rowcount


def _execute(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def _vacuum_analyze() -> int:
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in ANALYZE_TABLES:
            cursor.execute(f"{command} {table}")
    return 0


def reports_sizes() -> dict[str, int]:
    """The data the figures are about (counts from the tables, not estimates)."""
    return {
        "leads": Lead.objects.count(),
        "conversations": Activity.objects.count(),
        "clients": Client.objects.count(),
        "lead events": LeadEvent.objects.count(),
    }


# -- the pages -----------------------------------------------------------------------------


@dataclass
class ReportSubjects:
    branch_name: str
    branch_leads: int
    manager: User
    administrator: User
    date_from: date
    date_to: date


def find_report_subjects() -> ReportSubjects:
    """The biggest branch's manager, an administrator, and the whole range of dates."""
    biggest = biggest_branch()
    active = User.objects.filter(is_active=True).order_by("pk")
    manager = active.filter(role=Role.MANAGER, branch_id=biggest["branch_id"]).first()
    administrator = active.filter(role=Role.ADMINISTRATOR).first()
    if manager is None or administrator is None:
        raise CommandError("The benchmark needs the biggest branch's manager and an administrator.")
    first = Lead.objects.aggregate(first=Min("created_at"))["first"]
    return ReportSubjects(
        branch_name=biggest["branch__name"],
        branch_leads=biggest["n"],
        manager=manager,
        administrator=administrator,
        date_from=timezone.localtime(first).date(),
        date_to=timezone.localdate(),
    )


def build_report_pages(subjects: ReportSubjects) -> list[WorkPage]:
    """Each report as the manager and as the administrator, then each report's export
    as the administrator (the most rows); only the sources export has a target."""
    s = subjects
    period = urlencode({"date_from": s.date_from.isoformat(), "date_to": s.date_to.isoformat()})
    pages, exports = [], []
    for label, name in REPORTS:
        try:
            url = f"{reverse(name)}?{period}"
        except NoReverseMatch:
            url = ""
        key = label.replace(" ", "_")
        for who, user in (("manager", s.manager), ("admin", s.administrator)):
            pages.append(WorkPage(f"{key}_{who}", f"{label} ({who})", user, url, REPORT_TARGET_MS))
        target = SOURCES_EXPORT_TARGET_MS if key == "sources" else None
        exports.append(
            WorkPage(
                f"{key}_xlsx",
                f"{label} xlsx (admin)",
                s.administrator,
                f"{url}&format=xlsx" if url else "",
                target,
                method="POST",
            )
        )
    return pages + exports


def time_report_pages(
    pages: list[WorkPage],
    *,
    runs: int,
    timeout_s: float,
    slow_s: float,
    progress: Callable[[str], None],
) -> None:
    """As ``leads.bench.work.time_work_pages`` (a warm-up, the queries counted, then
    `runs` rounds), with two guards for reports that take minutes at a million leads:
    every SQL statement is cut at `timeout_s` (the page answers 500 and is reported as
    "timeout"), and a page whose warm-up took more than `slow_s` is not repeated (its
    warm-up and counted request are its two timings)."""
    clients: dict[int, TestClient] = {}
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with (
        tempfile.TemporaryDirectory() as media_root,
        override_settings(ALLOWED_HOSTS=hosts, MEDIA_ROOT=media_root),
        _statement_timeout(timeout_s),
        _quiet_request_errors(),
    ):
        for page in pages:
            if not page.url:
                page.note = MISSING
                continue
            if page.user.pk not in clients:
                clients[page.user.pk] = TestClient(raise_request_exception=False)
                clients[page.user.pk].force_login(page.user)
            progress(f"  {page.label}…")
            warm_up = _timed_get(clients[page.user.pk], page)
            if page.status != 200:
                page.note = "timeout" if warm_up[0] >= timeout_s * 1000 else page.note
                continue
            with CaptureQueriesContext(connection) as queries:
                counted = _timed_get(clients[page.user.pk], page)
            page.queries = len(queries)
            if warm_up[0] > slow_s * 1000:
                page.note = "slow"
                for elapsed, cpu in (warm_up, counted):
                    page.timings_ms.append(elapsed)
                    page.cpu_ms.append(cpu)
        live = [page for page in pages if page.status == 200 and not page.note]
        for run in range(runs):
            for page in live:
                elapsed, cpu = _timed_get(clients[page.user.pk], page)
                page.timings_ms.append(elapsed)
                page.cpu_ms.append(cpu)
            progress(f"  {run + 1}/{runs} rounds")


def _timed_get(client: TestClient, page: WorkPage) -> tuple[float, float]:
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.generic(page.method, page.url, headers=page.headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu_started) * 1000
    if response.status_code != 200 or page.status in (0, 200):
        page.status = response.status_code
    if page.method == "POST" and response.get("Content-Type") != XLSX_CONTENT_TYPE:
        page.status, page.note = 0, "no .xlsx"  # an export that answered a page
    page.size_kb = len(body) / 1024
    return elapsed, cpu


@contextmanager
def _quiet_request_errors() -> Iterator[None]:
    """A page cut by the timeout answers 500: the table says so, without its traceback."""
    logger = logging.getLogger("django.request")
    saved = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = saved


@contextmanager
def _statement_timeout(seconds: float) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        saved = cursor.fetchone()[0]
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false)", [f"{seconds * 1000:.0f}"]
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [saved])


# -- the import ----------------------------------------------------------------------------


@dataclass
class ImportRun:
    """The import of the generated file, end to end: what it reported, how long it took."""

    rows: int
    status: str = ""
    queries: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    planned: dict[str, int] = field(default_factory=dict)
    file_bytes: int = 0
    note: str = ""

    @property
    def total_ms(self) -> float:
        return sum(self.seconds.values()) * 1000


def import_file(*, rows: int, seed: int) -> tuple[bytes, dict[str, int]]:
    """A fresh .xlsx of `rows` inquiries and what it holds: new people, existing clients'
    phones or emails, rows repeated inside the file, bad rows. A token in every message
    makes its rows new to the database however often the benchmark runs."""
    rng = random.Random(seed)
    token = secrets.token_hex(4)
    n_linked = round(rows * LINKED_SHARE)
    n_duplicate = round(rows * DUPLICATE_SHARE)
    n_bad = round(rows * BAD_SHARE)
    n_new = rows - n_linked - n_duplicate - n_bad
    known = list(
        Client.objects.exclude(phone_e164="", email_normalized="")
        .order_by("?")
        .values_list("first_name", "last_name", "phone_e164", "email_normalized")[:n_linked]
    )
    start = timezone.localtime() - timedelta(days=60)
    rows_out: list[list[str]] = []

    def when() -> str:
        return f"{start + timedelta(minutes=rng.randrange(60 * 24 * 59)):%d.%m.%Y %H:%M}"

    def message(n: int) -> str:
        return f"Proszę o kontakt w sprawie mieszkania ({token}-{n})."

    for n in range(n_new):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES_MASCULINE)
        phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
        email = f"{fold_name(first)}.{fold_name(last)}.{token}.{n}@example.org"
        rows_out.append([first, last, email, f"{phone[:3]} {phone[3:6]} {phone[6:]}",
                         message(n), when(), "tak", rng.choice(("tak", "nie"))])  # fmt: skip
    for n, (first, last, phone, email) in enumerate(known):
        by_phone = bool(phone) and (n % 2 == 0 or not email)
        rows_out.append([
            first, last, "" if by_phone else email, phone if by_phone else "",
            message(n_new + n), when(), "tak", "nie",
        ])  # fmt: skip
    bad = (
        lambda n: ["Bez", "Kontaktu", "", "", message(n), when(), "tak", "nie"],
        lambda n: ["Zły", "Adres", f"nie-mail-{n}@", "", message(n), when(), "tak", "nie"],
        lambda n: [
            "Zła",
            "Data",
            f"data.{token}.{n}@example.org",
            "",
            message(n),
            "31.02.2024",
            "tak",
            "nie",
        ],  # fmt: skip
        lambda n: [
            "Zła",
            "Zgoda",
            f"zgoda.{token}.{n}@example.org",
            "",
            message(n),
            when(),
            "może",
            "nie",
        ],  # fmt: skip
    )
    originals = rng.sample(rows_out, min(n_duplicate, len(rows_out)))
    rows_out += [list(row) for row in originals]
    rows_out += [bad[n % len(bad)](rows + n) for n in range(n_bad)]
    rng.shuffle(rows_out)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Zgłoszenia")
    sheet.append(HEADERS)
    for row in rows_out:
        sheet.append(row)
    with tempfile.TemporaryFile() as file_obj:
        workbook.save(file_obj)
        file_obj.seek(0)
        content = file_obj.read()
    planned = {
        "new people": n_new,
        "existing clients": len(known),
        "duplicates in the file": len(originals),
        "bad rows": n_bad,
    }
    return content, planned


def time_import(*, user: User, rows: int, seed: int, progress: Callable[[str], None]) -> ImportRun:
    """Write the file, then upload → map (the dry run) → confirm (the run), timed step by
    step through the services with Celery eager; the leads it makes stay."""
    from leads.services.imports import (
        import_batch_confirm,
        import_batch_map,
        import_batch_upload,
    )

    result = ImportRun(rows=rows)
    content, result.planned = import_file(rows=rows, seed=seed)
    result.file_bytes = len(content)
    source = LeadSource.objects.order_by("pk").first()
    counter = _QueryCounter()
    conf = current_app.conf
    eager = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        with (
            tempfile.TemporaryDirectory() as media_root,
            # The notifications' mails are sent (eagerly) into memory, not printed.
            override_settings(MEDIA_ROOT=media_root, EMAIL_BACKEND=LOCMEM_EMAIL),
            connection.execute_wrapper(counter),
        ):
            started = time.perf_counter()
            upload = SimpleUploadedFile("bench-import.xlsx", content)
            batch = import_batch_upload(
                user=user, file_obj=upload, file_name=upload.name, source=source,
                all_or_nothing=False,
            )  # fmt: skip
            result.seconds["upload"] = time.perf_counter() - started
            progress(f"  import: uploaded in {result.seconds['upload']:.1f} s; dry run…")
            started = time.perf_counter()
            batch = import_batch_map(batch=batch, user=user, mapping=batch.mapping)
            batch.refresh_from_db()
            result.seconds["check"] = time.perf_counter() - started
            progress(f"  import: checked in {result.seconds['check']:.1f} s; importing…")
            started = time.perf_counter()
            import_batch_confirm(batch=batch, user=user)
            batch.refresh_from_db()
            result.seconds["run"] = time.perf_counter() - started
    except Exception as error:  # noqa: BLE001 - reported, not raised: the table still prints
        result.status = ERROR
        result.note = "".join(traceback.format_exception_only(error)).strip()[:300]
        return result
    finally:
        conf.task_always_eager, conf.task_eager_propagates = eager
    result.queries = counter.count
    result.status = batch.status
    if batch.error:
        result.note = batch.error[:300]
    result.counts = _batch_counts(batch)
    return result


def _batch_counts(batch: ImportBatch) -> dict[str, int]:
    names = (
        "rows_total", "rows_imported", "rows_new", "rows_linked", "rows_duplicate_file",
        "rows_duplicate_db", "rows_error",
    )  # fmt: skip
    return {name.removeprefix("rows_"): getattr(batch, name) for name in names}


class _QueryCounter:
    """Counts SQL statements (CaptureQueriesContext keeps only the last 9 000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def verdict(median_ms: float, target_ms: float | None) -> str:
    if target_ms is None:
        return "—"
    return "PASS" if median_ms < target_ms else "FAIL"
