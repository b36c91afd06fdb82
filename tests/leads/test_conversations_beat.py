"""With a real Celery beat and a real worker: the reminder of a conversation planned in ten
minutes arrives in the SMTP sink, once, although beat fires the sweep every second."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from leads.models import Activity, ActivityKind
from notifications.models import Notification, NotificationKind
from tests.factories import ClientFactory, LeadFactory, UserFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "celery_worker", "celery_beat"),
]


def test_beat_and_worker_deliver_the_reminder_once(settings, smtp_sink, branch):
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
