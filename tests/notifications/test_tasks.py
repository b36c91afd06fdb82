"""A real Celery worker on Redis sends the outbox to a real SMTP server: one email per
committed change, none for a rolled-back one, retried while the mail server is down, and
an email whose task was lost is sent by the periodic drain."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.signals import task_failure, task_retry
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from notifications.services import notification_key, notification_queue
from notifications.tasks import send_notification, send_unsent_notifications
from tests.factories import LeadFactory, UserFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "celery_worker"),
]

ASSIGNED = NotificationKind.LEAD_ASSIGNED


class Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.LEJEK_BASE_URL = "https://crm.example.com"


@pytest.fixture
def english_advisor(branch):
    return UserFactory(username="anna", email="anna@lejek.test", language="en", branch=branch)


@pytest.fixture
def lead(branch):
    return LeadFactory(branch=branch, contact_first_name="Jan", contact_last_name="Nowak")


def deliveries_before_a_last_email(sink, lead) -> list:
    """Queue one more email and wait for it; return what was delivered before it. The
    worker takes its queue's tasks one at a time, in order, so a task queued earlier (and
    not waiting for a retry) cannot deliver anything after this one."""
    last = UserFactory(username="ostatni", email="last@lejek.test", branch=lead.branch)
    with transaction.atomic():
        notification_queue(kind=ASSIGNED, lead=lead, recipient=last)
    deadline = time.monotonic() + 15
    while not any(d.rcpt_tos == ["last@lejek.test"] for d in sink.deliveries):
        assert time.monotonic() < deadline, "the last email did not arrive"
        time.sleep(0.05)
    *before, final = sink.deliveries
    assert final.rcpt_tos == ["last@lejek.test"]
    return before


def wait_for_row(key: str, condition, timeout: float = 15) -> Notification:
    deadline = time.monotonic() + timeout
    while True:
        notification = Notification.objects.get(key=key)
        if condition(notification):
            return notification
        assert time.monotonic() < deadline, f"row never got there: {notification.__dict__}"
        time.sleep(0.05)


def test_a_committed_assignment_emails_the_advisor_once_with_a_link_to_the_lead(
    smtp_sink, english_advisor, lead
):
    with transaction.atomic():
        key = notification_queue(kind=ASSIGNED, lead=lead, recipient=english_advisor)
        time.sleep(0.2)  # the worker would have sent by now, were it queued before commit
        assert smtp_sink.deliveries == []

    (delivery,) = deliveries_before_a_last_email(smtp_sink, lead)
    assert delivery.rcpt_tos == ["anna@lejek.test"]
    assert delivery.message["Subject"] == "New lead: Jan Nowak"
    assert delivery.message["Content-Language"] == "en"
    body = delivery.message.get_body(("plain",)).get_content()
    assert f"https://crm.example.com/leads/{lead.pk}/" in body
    assert Notification.objects.get(key=key).sent_at is not None


def test_each_employee_gets_the_email_in_their_own_language(
    smtp_sink, english_advisor, teammate, lead
):
    with transaction.atomic():
        notification_queue(kind=ASSIGNED, lead=lead, recipient=english_advisor)
        notification_queue(kind=ASSIGNED, lead=lead, recipient=teammate)

    english, polish = deliveries_before_a_last_email(smtp_sink, lead)
    assert english.rcpt_tos == ["anna@lejek.test"]
    assert english.message["Subject"] == "New lead: Jan Nowak"
    assert "Last name: Nowak" in english.message.get_body(("plain",)).get_content()
    assert polish.rcpt_tos == [teammate.email]
    assert polish.message["Subject"] == "Nowy lead: Jan Nowak"
    assert "Nazwisko: Nowak" in polish.message.get_body(("plain",)).get_content()


def test_sending_the_same_email_twice_delivers_it_once(smtp_sink, english_advisor, lead):
    with transaction.atomic():
        key = notification_queue(kind=ASSIGNED, lead=lead, recipient=english_advisor)
    send_notification.delay(key)
    send_notification.delay(key)

    (delivery,) = deliveries_before_a_last_email(smtp_sink, lead)
    assert delivery.rcpt_tos == ["anna@lejek.test"]


def test_a_rolled_back_assignment_emails_nobody(smtp_sink, english_advisor, lead):
    with pytest.raises(Rollback), transaction.atomic():
        notification_queue(kind=ASSIGNED, lead=lead, recipient=english_advisor)
        raise Rollback

    assert deliveries_before_a_last_email(smtp_sink, lead) == []
    assert not Notification.objects.filter(recipient=english_advisor).exists()


def test_while_the_mail_server_is_down_the_task_retries_then_delivers_once(
    smtp_sink, english_advisor, lead
):
    smtp_sink.stop()  # nothing listens on its port

    with transaction.atomic():
        key = notification_queue(kind=ASSIGNED, lead=lead, recipient=english_advisor)

    failed = wait_for_row(key, lambda row: row.attempts >= 1)
    assert failed.last_error.startswith("ConnectionRefusedError: ")
    assert failed.sent_at is None
    # The first retries come after 0-1 s, then 0-2 s (retry_backoff with full jitter).
    smtp_sink.start()
    sent = wait_for_row(key, lambda row: row.sent_at is not None)
    assert sent.attempts >= 1
    # The retry chain ended with the send: nothing of it is left to arrive later.
    (delivery,) = deliveries_before_a_last_email(smtp_sink, lead)
    assert delivery.rcpt_tos == ["anna@lejek.test"]


def test_the_drain_sends_an_email_whose_task_was_lost(smtp_sink, english_advisor, lead):
    now = timezone.now()

    def owed(recipient, *, age: timedelta, sent: bool = False) -> str:
        # A row written without its task, as when the broker was down at commit.
        key = notification_key(kind=ASSIGNED, lead=lead, recipient=recipient)
        Notification.objects.create(
            key=key,
            kind=ASSIGNED,
            lead=lead,
            recipient=recipient,
            created_at=now - age,
            sent_at=now if sent else None,
        )
        return key

    lost = owed(english_advisor, age=timedelta(minutes=5))
    owed(UserFactory(email="fresh@lejek.test"), age=timedelta(seconds=10))  # task on its way
    owed(UserFactory(email="done@lejek.test"), age=timedelta(minutes=5), sent=True)
    owed(UserFactory(email="stale@lejek.test"), age=timedelta(days=2))  # news no more

    send_unsent_notifications.delay()

    wait_for_row(lost, lambda row: row.sent_at is not None)
    (delivery,) = deliveries_before_a_last_email(smtp_sink, lead)
    assert delivery.rcpt_tos == ["anna@lejek.test"]


def test_the_drain_tries_each_row_once_per_run_while_the_mail_server_is_down(
    smtp_sink, english_advisor, lead
):
    smtp_sink.stop()
    key = notification_key(kind=ASSIGNED, lead=lead, recipient=english_advisor)
    Notification.objects.create(
        key=key,
        kind=ASSIGNED,
        lead=lead,
        recipient=english_advisor,
        created_at=timezone.now() - timedelta(minutes=5),
    )
    retried, failed = [], []

    def on_retry(request, **kwargs):
        retried.append(request.args)

    def on_failure(sender, args, **kwargs):
        failed.append(args)

    # The worker runs in this process: its task signals reach us.
    task_retry.connect(on_retry, sender=send_notification, weak=False)
    task_failure.connect(on_failure, sender=send_notification, weak=False)
    try:
        send_unsent_notifications.delay()

        deadline = time.monotonic() + 15
        while not (failed or retried):
            assert time.monotonic() < deadline, "the drained send never ran"
            time.sleep(0.05)
    finally:
        task_retry.disconnect(on_retry, sender=send_notification)
        task_failure.disconnect(on_failure, sender=send_notification)

    # One attempt, no retry chain piling up: the next drain, a minute later, tries again.
    assert failed == [[key]] and retried == []
    notification = Notification.objects.get(key=key)
    assert notification.attempts == 1
    assert notification.sent_at is None
