"""A worker killed (SIGKILL) in the middle of sending an email: the task was not
acknowledged, so Redis hands it to the next worker, which sends the email. Delivery is at
least once: the mail server may have kept the first copy too, and both carry the same
Message-ID, by which the receiving side drops the second."""

from __future__ import annotations

import os
import signal

import pytest
from django.conf import settings
from django.db import connection, transaction

from notifications.models import Notification, NotificationKind
from notifications.services import notification_queue
from tests.factories import LeadFactory, UserFactory
from tests.worker_processes import WorkerProcesses, own_queue

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# A Redis database of its own: the worker started here restores any message left
# unacknowledged for a second, which the in-thread worker's tasks on db 14 must not suffer.
BROKER_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def queue():
    """The test's own queue on the real broker, for this process to publish to."""
    with own_queue(BROKER_URL, "lejek-test-killed") as name:
        yield name


@pytest.fixture
def start_worker(queue, smtp_sink, tmp_path):
    """Start `celery worker` processes on the test's queue, database and SMTP sink; each
    is stopped at the end if still running."""
    workers = WorkerProcesses(
        queue=queue,
        log_dir=tmp_path,
        broker_url=BROKER_URL,
        EMAIL_HOST=smtp_sink.host,
        EMAIL_PORT=str(smtp_sink.port),
        LEJEK_BASE_URL=settings.LEJEK_BASE_URL,
    )
    yield workers.start
    workers.stop()


def test_email_of_a_worker_killed_while_sending_is_sent_by_the_next_worker(
    smtp_sink, start_worker, branch
):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot share the in-memory SQLite test database")
    advisor = UserFactory(email="anna@lejek.test", language="en", branch=branch)
    lead = LeadFactory(branch=branch, contact_first_name="Jan", contact_last_name="Nowak")
    release = smtp_sink.hold_next()  # the first email waits in DATA
    first = start_worker("first")

    with transaction.atomic():
        key = notification_queue(kind=NotificationKind.LEAD_ASSIGNED, lead=lead, recipient=advisor)

    assert smtp_sink.holding.wait(15), "the first worker never got to send"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    notification = Notification.objects.get(key=key)
    assert notification.sent_at is None  # the killed worker's transaction rolled back
    # The server had the whole email when its client died: it keeps that copy.
    (kept,) = smtp_sink.wait_for(1)
    assert not release.is_set()

    start_worker("second")  # takes the unacknowledged task over from Redis

    kept, sent_again = smtp_sink.wait_for(2)
    assert sent_again.rcpt_tos == kept.rcpt_tos == ["anna@lejek.test"]
    assert sent_again.message["Subject"] == kept.message["Subject"] == "New lead: Jan Nowak"
    # At least once, with one Message-ID: the receiving side can drop the copy.
    assert sent_again.message["Message-ID"] == kept.message["Message-ID"]
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.attempts == 0
