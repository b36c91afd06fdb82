"""One unit, twenty advisors pressing "Reserve" at the same moment: exactly one gets it,
the nineteen others are told who holds it and until when, and PostgreSQL holds one
reservation and one hold. Each request runs in its own thread on its own connection."""

# The shared fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from investments.models import Unit, UnitStatus
from leads.models import Lead, Reservation, UnitHold
from leads.services.sales import reservation_create
from tests.factories import UserFactory
from tests.leads.sales_fixtures import (  # noqa: F401  (fixtures)
    buyer,
    in_english,
    investment,
    lead,
    unit,
)

RACERS = 20

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def racers(reference_data, advisor, lead):
    """Twenty advisors of the lead's branch, each an employee of the lead."""
    users = [
        UserFactory(first_name=f"Doradca{n}", last_name="Wyścigowy", branch=advisor.branch)
        for n in range(RACERS)
    ]
    lead.employees.add(*users)
    return users


def race(work) -> list:
    """Run `work(n)` in RACERS threads released together; each thread's own connection is
    closed at its end. Returns each thread's result (or the exception it raised)."""
    barrier = threading.Barrier(RACERS, timeout=30)
    results: list = [None] * RACERS

    def run(n: int) -> None:
        try:
            barrier.wait()
            # A thread starts in the default language (Polish); the messages are read in English.
            with translation.override("en"):
                results[n] = work(n)
        except Exception as error:  # noqa: BLE001  (kept for the assertions)
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def assert_one_holder(unit: Unit) -> Reservation:
    reservation = Reservation.objects.select_related("created_by").get()
    hold = UnitHold.objects.get()
    assert (hold.unit_id, hold.reservation_id) == (unit.pk, reservation.pk)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.RESERVED
    assert unit.history.filter(status=UnitStatus.RESERVED).count() == 1
    return reservation


def test_twenty_concurrent_reservations_through_the_service(racers, lead, unit):
    until = timezone.localdate() + timedelta(days=5)

    def reserve(n: int) -> Reservation:
        own_lead = Lead.objects.select_related("status").get(pk=lead.pk)
        own_unit = Unit.objects.get(pk=unit.pk)
        return reservation_create(
            lead=own_lead, unit=own_unit, user=racers[n], reserved_until=until
        )

    results = race(reserve)

    won = [r for r in results if isinstance(r, Reservation)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1
    assert len(refused) == RACERS - 1, [r for r in results if r not in won + refused]
    reservation = assert_one_holder(unit)
    assert reservation.pk == won[0].pk
    expected = (
        f"Already reserved by {reservation.created_by.get_full_name()} until {until:%d.%m.%Y}."
    )
    assert all(error.message_dict == {"unit": [expected]} for error in refused)


def test_twenty_concurrent_reservation_requests_through_the_page(racers, lead, unit):
    until = timezone.localdate() + timedelta(days=3)
    url = reverse("leads:reservation_create", args=[lead.pk])
    browsers = []
    for user in racers:
        browser = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
        browser.force_login(user)
        browsers.append(browser)
    data = {"unit": unit.pk, "reserved_until": until.isoformat(), "client": "", "fee": ""}

    responses = race(lambda n: browsers[n].post(url, data))

    assert sorted(getattr(r, "status_code", r) for r in responses) == [302] + [400] * 19
    reservation = assert_one_holder(unit)
    winner = next(n for n, r in enumerate(responses) if r.status_code == 302)
    assert reservation.created_by == racers[winner]
    expected = f"Already reserved by {racers[winner].get_full_name()} until {until:%d.%m.%Y}."
    for response in responses:
        if response.status_code == 400:
            assert f'<p class="field__error" role="alert">{expected}</p>' in response.text
