"""With a real Celery beat and a real worker: the reminder of a conversation planned in ten
minutes arrives in the SMTP sink, once, although beat fires the sweep every second."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from celery.beat import Service
from django.utils import timezone

from leads.models import Activity, ActivityKind
from notifications.models import Notification, NotificationKind
from tests.factories import ClientFactory, LeadFactory, UserFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "celery_worker"),
]


@pytest.fixture
def beat(tmp_path):
    """Celery beat in a thread, firing the reminder sweep every second onto the worker's
    broker and queue (the celery_worker fixture points the app at them)."""
    from crm.celery import app

    saved = app.conf.beat_schedule
    app.conf.beat_schedule = {
        "reminders-every-second": {
            "task": "leads.tasks.queue_conversation_reminders",
            "schedule": 1.0,
        }
    }
    service = Service(app=app, max_interval=0.5, schedule_filename=str(tmp_path / "beat"))
    thread = threading.Thread(target=service.start, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.stop()
        thread.join(10)
        app.conf.beat_schedule = saved


def test_beat_and_worker_deliver_the_reminder_once(settings, smtp_sink, branch, beat):
    settings.LEJEK_BASE_URL = "https://crm.example.com"
    anna = UserFactory(username="anna", email="anna@lejek.test", language="en", branch=branch)
    client = ClientFactory(first_name="Jan", last_name="Nowak", branch=branch)
    lead = LeadFactory(branch=branch, employees=[anna], clients=[client])
    activity = Activity.objects.create(
        lead=lead,
        employee=anna,
        client=client,
        kind=ActivityKind.PHONE,
        planned_at=timezone.now() + timedelta(minutes=10),
    )

    (delivery,) = smtp_sink.wait_for(1, timeout=30)
    # Beat keeps firing: still one email.
    time.sleep(3)

    assert len(smtp_sink.deliveries) == 1
    assert delivery.rcpt_tos == ["anna@lejek.test"]
    when = timezone.localtime(activity.planned_at).strftime("%d.%m.%Y, %H:%M")
    assert delivery.message["Subject"].strip() == f"Reminder: phone call with Jan Nowak at {when}"
    body = delivery.message.get_body(("plain",)).get_content()
    assert f"https://crm.example.com/leads/{lead.pk}/" in body
    notification = Notification.objects.get(kind=NotificationKind.CONVERSATION_REMINDER)
    assert notification.sent_at is not None
