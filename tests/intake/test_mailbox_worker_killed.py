"""A real Celery worker polling the sales mailbox (a real Dovecot) is killed with SIGKILL
in the middle of the poll. The next poll, once the dead worker's lease has run out, reads
on: every email is a lead exactly once, none is lost, and every one ends up marked read."""

from __future__ import annotations

import os
import signal
import time
from uuid import uuid4

import pytest
from django.db.models import Count

from intake.models import ChannelAccount, ChannelKind, Outcome, RawMessage
from intake.secrets import secret_encrypt
from intake.services.mailbox import mailbox_poll
from intake.tasks import poll_mailbox
from leads.models import AssignmentRule, Lead
from tests.conftest import forget_connections
from tests.factories import UserFactory, source
from tests.redis_server import RedisServer
from tests.worker_processes import WorkerProcesses

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

EMAILS = 100


def inquiry(number: int) -> bytes:
    return (
        f"From: Klient {number} <klient{number}@example.pl>\r\n"
        f"Subject: Zapytanie {number}\r\n"
        f"Message-ID: <zapytanie-{number}@example.pl>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Proszę o ofertę, numer {number}.\r\n"
    ).encode()


@pytest.fixture
def broker():
    from crm.celery import app

    redis = RedisServer()
    redis.start()
    queue = f"lejek-test-mail-{uuid4().hex[:8]}"
    keys = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url=f"{redis.url}/0",
        result_backend=f"{redis.url}/0",
        task_default_queue=queue,
    )
    forget_connections(app)
    try:
        yield redis, queue
    finally:
        app.conf.update(saved)
        forget_connections(app)
        redis.stop()


def wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def test_a_worker_killed_mid_poll_loses_and_doubles_nothing(imap_server, broker, tmp_path):
    redis, queue = broker
    rule = AssignmentRule.objects.create(name="Biuro")
    rule.pool.set([UserFactory(role="advisor")])
    account = ChannelAccount.objects.create(
        name="Biuro",
        kind=ChannelKind.MAILBOX,
        source=source("www"),
        host=imap_server.host,
        port=imap_server.port,
        use_tls=False,
        username="sales",
        secret_encrypted=secret_encrypt("secret"),
    )
    mailbox_poll(account)  # the account starts from now
    for number in range(EMAILS):
        imap_server.append(inquiry(number))
    workers = WorkerProcesses(
        queue=queue,
        log_dir=tmp_path,
        ready_by_log=True,
        broker_url=f"{redis.url}/0",
        LEJEK_MAILBOX_LEASE_SECONDS="3",
        REDIS_URL=None,
    )
    try:
        worker = workers.start("poller")
        poll_mailbox.apply_async(args=[account.pk], queue=queue)
        wait_until(lambda: RawMessage.objects.count() >= 10, "the poll is under way")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        workers.stop()
    read_before = RawMessage.objects.count()
    assert 10 <= read_before < EMAILS, "the worker was killed in the middle of the poll"

    # Beat's next poll, once the dead worker's lease has run out.
    wait_until(lambda: not mailbox_poll(account).skipped, "the lease runs out", timeout=10)

    assert RawMessage.objects.count() == EMAILS
    assert not RawMessage.objects.values("external_id").annotate(n=Count("pk")).filter(n__gt=1)
    assert set(RawMessage.objects.values_list("outcome", flat=True)) == {Outcome.CREATED}
    assert Lead.objects.count() == EMAILS
    assert Lead.objects.values("contact_email").distinct().count() == EMAILS
    with imap_server.client() as imap:
        imap.select_folder("INBOX", readonly=True)
        assert imap.search(["UNSEEN"]) == []
