"""Redis (cache and broker) stopped while a portal posts an inquiry: the lead is stored and
the portal hears 201 — the rate limit and the intake's configuration check go without the
cache, and the email's task, which cannot be queued, is owed in the outbox. Once Redis is
back, beat's outbox drain, run by a real worker, sends that email once; the next drain
finds nothing left to send."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from uuid import uuid4

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client as HttpClient
from django.utils import timezone

from clients.services import source_rotate_intake_token
from leads.intake_config import intake_config_forget
from leads.models import AssignmentRule, AssignmentStrategy, Lead
from notifications.models import Notification
from notifications.tasks import DRAIN_AFTER, send_unsent_notifications
from tests.conftest import forget_connections
from tests.factories import UserFactory, source

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

INQUIRY = {
    "external_id": "rp-redis-down-1",
    "first_name": "Jan",
    "last_name": "Kowalski",
    "email": "jan.kowalski@example.pl",
    "phone": "600 100 200",
    "message": "Proszę o ofertę.",
    "consents": {"processing": True},
}


@pytest.fixture
def lejek_on(redis_server, settings):
    """Lejek's cache and Celery on the test's Redis, as in production (REDIS_URL), tasks
    sent to a queue of the test's own."""
    from crm.celery import app

    settings.CACHES = {
        "default": {
            **django_settings.CACHES["default"],
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"{redis_server.url}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    queue = f"lejek-test-redis-down-{uuid4().hex[:8]}"
    keys = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url=f"{redis_server.url}/1",
        result_backend=f"{redis_server.url}/1",
        task_default_queue=queue,
    )
    forget_connections(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        forget_connections(app)


@pytest.fixture
def inquiries_go_to(branch):
    advisor = UserFactory(username="anna", email="anna@lejek.test", language="en", branch=branch)
    rule = AssignmentRule.objects.create(name="Portale", strategy=AssignmentStrategy.ROUND_ROBIN)
    rule.pool.set([advisor])
    return advisor


@pytest.fixture
def partner() -> HttpClient:
    """The portal's server, sending its source's token; a server error reaches it as a
    500 answer, as it would a real partner."""
    token = source_rotate_intake_token(source=source("rynekpierwotny"))
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)


def drain_as_beat_does(app) -> int:
    """Send the outbox drain to the broker with beat's options; wait for the worker to run
    it and return how many emails it queued."""
    options = django_settings.CELERY_BEAT_SCHEDULE["send-unsent-notifications"]["options"]
    result = send_unsent_notifications.apply_async(ignore_result=False, **options)
    return result.get(timeout=20)


def test_an_inquiry_posted_while_redis_is_down_is_stored_and_emailed_once_redis_is_back(
    lejek_on, redis_server, partner, inquiries_go_to, smtp_sink, django_db_blocker
):
    cache.set("lejek:test:alive", 1)  # the cache really is this Redis
    assert cache.get("lejek:test:alive") == 1
    redis_server.stop()
    # As a web process that has not read the intake settings yet (whether this one has
    # depends on the tests run before it): it asks the cache which version is current,
    # which fails, and goes on with the database.
    intake_config_forget()

    started = time.monotonic()
    response = partner.post(
        "/api/intake/leads/", data=json.dumps(INQUIRY), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert time.monotonic() - started < 15  # the portal is not kept waiting for long
    lead = Lead.objects.get()
    assert lead.pk == response.json()["id"]
    assert lead.contact_last_name == "Kowalski"
    assert list(lead.employees.all()) == [inquiries_go_to]
    # The email is owed in the outbox; its task could not reach the broker.
    owed = Notification.objects.get()
    assert owed.recipient == inquiries_go_to and owed.sent_at is None
    assert smtp_sink.deliveries == []

    redis_server.start()
    # Beat's drain takes rows owed for longer than DRAIN_AFTER (their own task may still
    # be on its way before that): let that time pass for this row.
    Notification.objects.filter(pk=owed.pk).update(
        created_at=timezone.now() - DRAIN_AFTER - timedelta(seconds=5)
    )
    import celery.contrib.testing.tasks  # noqa: F401  (the ping task of the start check)

    with django_db_blocker.unblock():
        with start_worker(lejek_on, pool="solo", concurrency=1, perform_ping_check=True):
            assert drain_as_beat_does(lejek_on) == 1
            (delivery,) = smtp_sink.wait_for(1)
            assert delivery.rcpt_tos == ["anna@lejek.test"]
            assert delivery.message["Subject"] == "New lead: Jan Kowalski"
            deadline = time.monotonic() + 10
            while not Notification.objects.filter(pk=owed.pk, sent_at__isnull=False).exists():
                assert time.monotonic() < deadline, "the email was sent but not marked sent"
                time.sleep(0.05)

            assert drain_as_beat_does(lejek_on) == 0

    assert len(smtp_sink.deliveries) == 1
