"""In-process figures of the intake benchmark: the SQL statements and time of one intake
request, and the client candidates of a lead ("assign to a client") at the bench's size."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from crm.core.models import Role, User
from leads.models import Lead

from .intake_load import run_digits

# The target for the "assign to a client" lookup, median.
CANDIDATES_TARGET_MS = 30


@dataclass
class RequestProfile:
    label: str
    status: int
    outcome: str
    queries: int
    sql_ms: float
    total_ms: float
    statements: list[str]


class QueryLog:
    """Each SQL statement and its time as the client sees it (round trip included),
    timed here: Django's own query log rounds to whole milliseconds."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, (time.perf_counter() - started) * 1000))

    @property
    def ms(self) -> float:
        return sum(ms for _sql, ms in self.statements)


def profile_requests(
    *, token: str, run_id: str, contacts: Path, repeats: int = 20
) -> list[RequestProfile]:
    """Post a new person's inquiry, an existing client's and a repeated delivery through
    Django's test client, counting SQL queries and their time. The Celery send is stubbed
    out (it touches Redis, not the database), so nothing is sent from this process."""
    lines = contacts.read_text(encoding="utf-8").splitlines()
    client_contact = next(
        line.split("\t")[1:] for line in lines if line.startswith("c\t") and line.split("\t")[1]
    )
    # As most of the load's inquiries do, each names an investment.
    investment = next((line.split("\t")[1] for line in lines if line.startswith("i\t")), "")
    test_client = TestClient()
    headers = {"Authorization": f"Bearer {token}"}
    path = reverse("intake_api")

    def body(n: int, kind: str) -> dict:
        payload = {
            "external_id": f"{run_id}-q-{kind}-{n}",
            "first_name": "Anna",
            "last_name": "Nowak",
            "message": "Proszę o kontakt.",
            "investment": investment,
            "consents": {"processing": True, "marketing": False},
            "utm": {"source": "google"},
        }
        if kind == "client":
            payload.update(phone=client_contact[0], email=client_contact[1])
        else:
            payload.update(
                email=f"q.{run_id}.{n}@example.com",
                phone=f"+48 579 {n:03d} {run_digits(run_id)}",
            )
        return payload

    def post(data: dict) -> tuple[object, QueryLog, float]:
        log = QueryLog()
        with connection.execute_wrapper(log):
            started = time.perf_counter()
            response = test_client.post(
                path, data=data, content_type="application/json", headers=headers
            )
            elapsed = (time.perf_counter() - started) * 1000
        return response, log, elapsed

    profiles = []
    with (
        override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]),
        mock.patch("notifications.tasks.send_notification.delay"),
    ):
        kinds = (("new", "new person"), ("client", "existing client's contact"))
        for kind, label in kinds:
            timings, sql, counts = [], [], []
            post(body(0, kind))  # warm-up
            for n in range(1, repeats + 1):
                response, log, elapsed = post(body(n, kind))
                timings.append(elapsed)
                sql.append(log.ms)
                counts.append(len(log.statements))
            profiles.append(
                RequestProfile(
                    label=label,
                    status=response.status_code,
                    outcome=response.json().get("outcome", ""),
                    queries=max(counts),
                    sql_ms=statistics.median(sql),
                    total_ms=statistics.median(timings),
                    statements=[f"{ms:6.2f} ms  {sql}" for sql, ms in log.statements],
                )
            )
        # The same delivery again: answered from its receipt.
        response, log, elapsed = post(body(1, "new"))
        profiles.append(
            RequestProfile(
                label="repeated delivery",
                status=response.status_code,
                outcome=response.json().get("outcome", ""),
                queries=len(log.statements),
                sql_ms=log.ms,
                total_ms=elapsed,
                statements=[f"{ms:6.2f} ms  {sql}" for sql, ms in log.statements],
            )
        )
    return profiles


@dataclass
class CandidateTiming:
    leads: int
    queries: int
    timings_ms: list[float]
    found: int

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def time_candidates(*, leads: int, rounds: int = 3) -> CandidateTiming | None:
    """leads.candidates.inquiry_client_candidates for `leads` leads whose contact matches an
    existing client, each asked by a manager of the lead's branch; None when the function
    does not exist yet."""
    try:
        from leads.candidates import inquiry_client_candidates as client_candidates
    except ImportError:
        return None
    # Leads linked to a client whose email is also the lead's contact: from a 2 % sample
    # of the table's pages (spread over the years), else, on a small table where the
    # sample may hold none, from all of it.
    matching = """
        SELECT l.id FROM leads_lead l {sample}
        JOIN leads_lead_clients lc ON lc.lead_id = l.id
        JOIN clients_client c ON c.id = lc.client_id
        WHERE l.contact_email <> '' AND lower(l.contact_email) = c.email_normalized
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(matching.format(sample="TABLESAMPLE SYSTEM (2)"), [leads])
        lead_ids = [row[0] for row in cursor.fetchall()]
        if len(lead_ids) < leads:
            cursor.execute(matching.format(sample=""), [leads])
            lead_ids = [row[0] for row in cursor.fetchall()]
    subjects = list(Lead.objects.filter(pk__in=lead_ids).select_related("branch"))
    managers = {
        user.branch_id: user
        for user in User.objects.filter(role=Role.MANAGER, is_active=True).order_by("-id")
    }
    pairs = [(lead, managers[lead.branch_id]) for lead in subjects if lead.branch_id in managers]
    if not pairs:
        raise CommandError("No lead with a client's contact and a manager of its branch.")
    client_candidates(lead=pairs[0][0], user=pairs[0][1])  # warm-up
    with CaptureQueriesContext(connection) as captured:
        client_candidates(lead=pairs[0][0], user=pairs[0][1])
    timings, found = [], 0
    for _round in range(rounds):
        for lead, user in pairs:
            started = time.perf_counter()
            candidates = client_candidates(lead=lead, user=user)
            timings.append((time.perf_counter() - started) * 1000)
            found += bool(candidates)
    return CandidateTiming(
        leads=len(pairs), queries=len(captured), timings_ms=timings, found=found // rounds
    )
