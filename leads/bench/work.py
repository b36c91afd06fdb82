"""Timing issue 5's pages and the reminder sweep (``manage.py bench_work``).

As in ``manage.py bench`` (``leads.bench.measure``): pages are requested in-process with
Django's test client, warmed up once, their SQL queries counted once, then timed in rounds
over all pages. The heavy lead's detail page and each of its tabs are compared with the
same page of the light lead: a query count that does not grow with the rows is what
"constant" means. The reminder sweep runs at the sweep time the load planned around,
inside a transaction rolled back after each run, so that every run does the same work.

Pieces that are not built yet (the "My day" URL, the sweep function) are reported as
"missing", and a page that fails as its HTTP status, instead of stopping the run.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from crm.core.models import User
from leads.models import (
    Activity,
    Contract,
    Document,
    Lead,
    Note,
    Offer,
    OfferItem,
    Reservation,
    SurveyResponse,
)
from settings_app.selectors import crm_settings

from .measure import Page, TimingStats
from .work_data import heavy_lead, light_lead, marker

# The targets (median, ms).
DETAIL_TARGET_MS = 150
MY_DAY_TARGET_MS = 200
SWEEP_TARGET_MS = 2000
TABS = (
    "clients", "contractors", "conversations", "surveys", "offers", "contracts", "documents",
    "history",
)  # fmt: skip
MISSING = "missing"
ERROR = "error"


@dataclass
class WorkPage(Page):
    """A page, and the same page of the light lead (its query count) when there is one."""

    light_url: str | None = None
    light_queries: int | None = None
    note: str = ""
    # An export is a POST (the page's button); its answer must be the .xlsx itself.
    method: str = "GET"

    @property
    def constant(self) -> bool:
        """No more queries for the heavy lead than for the light one (fewer can happen: a
        paginated tab shows fewer kinds of rows on its first page)."""
        return self.light_queries is None or self.queries <= self.light_queries


@dataclass
class Sweep(TimingStats):
    """The reminder sweep's runs: what it found and how long it took."""

    at: datetime
    window_minutes: int
    status: str = ""
    found: int | None = None
    queries: int = 0
    timings_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    note: str = ""


@dataclass
class WorkSubjects:
    advisor: User
    heavy: Lead
    light: Lead
    sweep_at: datetime


def find_work_subjects() -> WorkSubjects:
    heavy, light = heavy_lead(), light_lead()
    if heavy is None or light is None:
        raise CommandError("No benchmark leads here: run manage.py bench_work --setup first.")
    info = marker(heavy)
    return WorkSubjects(
        advisor=User.objects.get(username=info["advisor"]),
        heavy=heavy,
        light=light,
        sweep_at=datetime.fromisoformat(info["sweep_at"]),
    )


def work_sizes(subjects: WorkSubjects) -> dict[str, dict[str, int]]:
    """What the figures are about: the tables, the heavy lead, the advisor's open leads."""
    now = timezone.localtime()
    heavy = subjects.heavy
    open_leads = Lead.objects.open().filter(employees=subjects.advisor)
    planned = Activity.objects.filter(done_at__isnull=True)
    next_steps = planned.filter(lead__in=open_leads)
    window = timedelta(minutes=crm_settings().reminder_minutes)
    open_count = open_leads.count()
    with_next_step = open_leads.filter(activities__done_at__isnull=True).distinct().count()
    return {
        "tables": {
            "leads": Lead.objects.count(),
            "conversations": Activity.objects.count(),
            "planned conversations": planned.count(),
            "offers": Offer.objects.count(),
            "offered units": OfferItem.objects.count(),
            "documents": Document.objects.count(),
            "notes": Note.objects.count(),
            "survey responses": SurveyResponse.objects.count(),
        },
        "heavy lead": {
            "conversations": heavy.activities.count(),
            "planned": heavy.activities.filter(done_at__isnull=True).count(),
            "offers": heavy.offers.count(),
            "offered units": OfferItem.objects.filter(offer__lead=heavy).count(),
            "documents": heavy.documents.count(),
            "notes": heavy.notes.count(),
            "survey responses": heavy.survey_responses.count(),
            "reservations": heavy.reservations.count(),
            "contracts": heavy.contracts.count(),
            "history records": _history_records(heavy),
        },
        "advisor": {
            "open leads": open_count,
            "with a planned conversation": with_next_step,
            "without a next step": open_count - with_next_step,
            "overdue conversations": next_steps.filter(planned_at__lt=now).count(),
            "conversations planned for today": next_steps.filter(
                planned_at__date=now.date()
            ).count(),
        },
        "sweep": {
            "minutes": int(window.total_seconds() // 60),
            "due in the window": planned.filter(
                planned_at__gte=subjects.sweep_at, planned_at__lt=subjects.sweep_at + window
            ).count(),
        },
    }


def _history_records(lead: Lead) -> int:
    total = lead.history.count()
    for model in (Activity, Offer, Reservation, Contract, Note, Document):
        total += model.history.model.objects.filter(lead_id=lead.pk).count()
    return total


def build_work_pages(subjects: WorkSubjects) -> list[WorkPage]:
    s = subjects
    htmx = {"HX-Request": "true"}
    pages = [
        WorkPage(
            "detail",
            "lead detail",
            s.advisor,
            reverse("leads:detail", args=[s.heavy.pk]),
            DETAIL_TARGET_MS,
            light_url=reverse("leads:detail", args=[s.light.pk]),
        )
    ]
    for tab in TABS:
        pages.append(
            WorkPage(
                f"tab_{tab}",
                f"tab {tab}",
                s.advisor,
                reverse("leads:tab", args=[s.heavy.pk, tab]),
                DETAIL_TARGET_MS,
                headers=htmx,
                light_url=reverse("leads:tab", args=[s.light.pk, tab]),
            )
        )
    try:
        my_day = reverse("leads:my_day")
    except NoReverseMatch:
        my_day = ""
    pages.append(WorkPage("my_day", "my day", s.advisor, my_day, MY_DAY_TARGET_MS))
    return pages


def _get(client: TestClient, url: str, headers: dict) -> tuple[int, int]:
    response = client.get(url, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, len(body)


def time_work_pages(
    pages: list[WorkPage], *, runs: int, media_root: str, progress: Callable[[str], None]
) -> None:
    """Warm up and count the queries of every page (and of its light twin), then time
    `runs` rounds. A page that raises answers 500 (the test client does not re-raise)."""
    clients: dict[int, TestClient] = {}
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ALLOWED_HOSTS=hosts, MEDIA_ROOT=media_root):
        for page in pages:
            if not page.url:
                page.note = MISSING
                continue
            if page.user.pk not in clients:
                clients[page.user.pk] = TestClient(raise_request_exception=False)
                clients[page.user.pk].force_login(page.user)
            client = clients[page.user.pk]
            _get(client, page.url, page.headers)
            with CaptureQueriesContext(connection) as queries:
                page.status, size = _get(client, page.url, page.headers)
            page.queries = len(queries)
            page.size_kb = size / 1024
            if page.light_url:
                _get(client, page.light_url, page.headers)
                with CaptureQueriesContext(connection) as queries:
                    _get(client, page.light_url, page.headers)
                page.light_queries = len(queries)
        live = [page for page in pages if page.status == 200]
        for run in range(runs):
            for page in live:
                started, cpu_started = time.perf_counter(), time.process_time()
                status, _ = _get(clients[page.user.pk], page.url, page.headers)
                page.timings_ms.append((time.perf_counter() - started) * 1000)
                page.cpu_ms.append((time.process_time() - cpu_started) * 1000)
                if status != 200:
                    page.status = status
            if (run + 1) % 10 == 0:
                progress(f"  {run + 1}/{runs} rounds")


def time_sweep(subjects: WorkSubjects, *, runs: int) -> Sweep:
    """Run the reminder sweep at the sweep time `runs` times (after a warm-up that counts
    its queries), each in a transaction rolled back afterwards."""
    window = crm_settings().reminder_minutes
    sweep = Sweep(at=subjects.sweep_at, window_minutes=window)
    try:
        from leads.services.reminders import reminders_queue_due
    except ImportError:
        sweep.status = MISSING
        return sweep

    def once() -> tuple[int, float, float]:
        with transaction.atomic():
            started, cpu_started = time.perf_counter(), time.process_time()
            found = reminders_queue_due(now=subjects.sweep_at)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            transaction.set_rollback(True)
        return found, elapsed, cpu

    try:
        with CaptureQueriesContext(connection) as queries:
            sweep.found, _, _ = once()
        sweep.queries = len(queries)
        for _ in range(runs):
            sweep.found, elapsed, cpu = once()
            sweep.timings_ms.append(elapsed)
            sweep.cpu_ms.append(cpu)
    except Exception as error:  # noqa: BLE001 - reported, not raised: others build it
        sweep.status = ERROR
        sweep.note = "".join(traceback.format_exception_only(error)).strip()[:200]
        return sweep
    sweep.status = "ok"
    return sweep


def verdict(median: float, target: float, *, constant: bool = True) -> str:
    if median >= target:
        return "FAIL"
    return "PASS" if constant else "FAIL (queries grow)"
