"""Partners post at the same moment: a portal retrying one inquiry from many workers still
makes one lead, and a burst of inquiries is shared fairly by round robin.

Real threads, each with its own test client and so its own database connection, against
committed data (transactional tests): what PostgreSQL's locks and unique indexes decide
is what is tested, not a single test transaction."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient

from clients.models import LeadSource
from clients.services import source_rotate_intake_token
from leads.models import AssignmentRule, AssignmentStrategy, IntakeReceipt, Lead
from tests.factories import BranchFactory, UserFactory, source

pytestmark = pytest.mark.usefixtures("empty_rate_limits")

API = "/api/intake/leads/"
INQUIRY = {
    "first_name": "Jan",
    "last_name": "Kowalski",
    "email": "jan.kowalski@example.pl",
    "phone": "600 100 200",
    "message": "Proszę o ofertę.",
}


@pytest.fixture
def portal(reference_data) -> LeadSource:
    portal = source("rynekpierwotny")
    portal.intake_rate_per_minute = 1000
    portal.save(update_fields=["intake_rate_per_minute"])
    return portal


@pytest.fixture
def token(portal) -> str:
    return source_rotate_intake_token(source=portal)


@pytest.fixture
def advisors(reference_data):
    branch = BranchFactory(name="Poznań Centrum")
    return [UserFactory(username=f"doradca{n}", branch=branch) for n in range(3)]


@pytest.fixture
def round_robin(advisors) -> AssignmentRule:
    rule = AssignmentRule.objects.create(name="Portale", strategy=AssignmentStrategy.ROUND_ROBIN)
    rule.pool.set(advisors)
    return rule


def all_at_once(workers: int, work: Callable[[int], list[Any]]) -> list[Any]:
    """Run `work(n)` in `workers` threads released together; their results, in one list.
    Each thread closes its own database connection when done."""
    barrier = threading.Barrier(workers)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcome = work(n)
            with lock:
                results.extend(outcome)
        except BaseException as error:  # reported in the main thread
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert not errors, errors
    return results


def partner(token: str) -> HttpClient:
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)


def post(http: HttpClient, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = http.post(API, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_twenty_concurrent_retries_of_one_inquiry_make_one_lead(token, round_robin):
    body = {**INQUIRY, "external_id": "rp-2026-000777"}

    answers = all_at_once(20, lambda n: [post(partner(token), body)])

    statuses = Counter(status for status, _answer in answers)
    assert statuses[201] == 1
    assert statuses[200] == 19
    lead = Lead.objects.get()
    assert {answer["id"] for _status, answer in answers} == {lead.pk}
    assert IntakeReceipt.objects.get().lead == lead


def test_round_robin_shares_a_burst_of_inquiries_evenly(token, advisors, round_robin):
    def five_inquiries(worker: int) -> list[tuple[int, dict[str, Any]]]:
        http = partner(token)
        return [post(http, {**INQUIRY, "external_id": f"rp-{worker}-{n}"}) for n in range(5)]

    answers = all_at_once(6, five_inquiries)

    assert [status for status, _answer in answers] == [201] * 30
    assert Lead.objects.count() == 30
    leads_per_advisor = {
        advisor.username: Lead.objects.filter(employees=advisor).count() for advisor in advisors
    }
    assert leads_per_advisor == {"doradca0": 10, "doradca1": 10, "doradca2": 10}
