"""Sending the outbox: one task per email, and a periodic drain for emails whose task was
lost."""

from __future__ import annotations

import smtplib
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import Notification
from .services import notification_send

# An email still unsent this long after it was owed has lost its task (the broker was down
# at commit, or the task gave up); younger ones are left to their own task.
DRAIN_AFTER = timedelta(minutes=1)
# Older news is no news: such a row stays unsent, with its last error, in the admin list.
DRAIN_UNTIL = timedelta(days=1)
DRAIN_BATCH = 500


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def send_notification(key: str) -> bool:
    """Send the email owed under `key`; a mail server error is retried with backoff."""
    return notification_send(key=key)


@shared_task(ignore_result=True)
def send_unsent_notifications() -> int:
    """The outbox drain (every minute, see CELERY_BEAT_SCHEDULE): queue a send for each
    email owed for more than a minute and less than a day; return how many."""
    now = timezone.now()
    keys = list(
        Notification.objects.filter(
            sent_at__isnull=True, created_at__lt=now - DRAIN_AFTER, created_at__gt=now - DRAIN_UNTIL
        )
        .order_by("created_at")
        .values_list("key", flat=True)[:DRAIN_BATCH]
    )
    for key in keys:
        # One attempt each (as if the retries were used up): the drain itself comes back
        # every minute, and a retry chain per row would pile up while the mail server is
        # down. A row whose own task is still running or retrying is harmless to queue:
        # the row lock and sent_at make the later send a no-op.
        send_notification.apply_async((key,), retries=send_notification.max_retries)
    return len(keys)
