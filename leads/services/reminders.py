"""Next-step discipline by email (Celery beat, see leads/tasks.py): a reminder before each
planned conversation and a daily digest per employee.

Each email is exactly once however often beat fires or however many workers run: it is an
outbox row under a unique key (the conversation and its planned time; the employee and
the day), inserted with ON CONFLICT DO NOTHING, and sent under that row's lock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from crm.core.models import User
from leads.models import Activity, Lead
from leads.selectors.conversations import OPEN_LEAD, digest_recipient_ids
from notifications.models import Notification, NotificationKind
from notifications.services import notification_key, notification_queue_bulk
from settings_app.selectors import crm_settings

# A conversation whose time passed this long ago (beat or the workers were down) gets no
# reminder any more: a late reminder is noise.
REMINDER_GRACE = timedelta(minutes=5)


def reminder_about(*, activity_pk: int, planned_at: datetime) -> str:
    """The reminder's part of the key: the conversation and the time it is planned for, so
    that a conversation moved to another time is reminded of again."""
    return f"{activity_pk}:{planned_at.astimezone(UTC).isoformat()}"


@transaction.atomic
def reminders_queue_due(*, now: datetime | None = None) -> int:
    """Owe a CONVERSATION_REMINDER to the employee of every planned conversation on an
    open lead due within the settings' minutes from `now` (and not past by more than a
    few minutes); returns how many were owed anew. One range scan of the due index and
    one insert, whatever the number of conversations."""
    now = now or timezone.now()
    window_end = now + timedelta(minutes=crm_settings().reminder_minutes)
    due = (
        Activity.objects.filter(
            done_at__isnull=True, planned_at__gte=now - REMINDER_GRACE, planned_at__lte=window_end
        )
        .filter(OPEN_LEAD, employee__is_active=True)
        .values_list("pk", "lead_id", "employee_id", "planned_at")
    )
    kind = NotificationKind.CONVERSATION_REMINDER
    notifications = [
        Notification(
            key=notification_key(
                kind=kind,
                lead=Lead(pk=lead_id),
                recipient=User(pk=employee_id),
                about=reminder_about(activity_pk=pk, planned_at=planned_at),
            ),
            kind=kind,
            lead_id=lead_id,
            recipient_id=employee_id,
        )
        for pk, lead_id, employee_id, planned_at in due
    ]
    return len(notification_queue_bulk(notifications=notifications)) if notifications else 0


@transaction.atomic
def digests_queue(*, today: date | None = None) -> int:
    """Owe each active employee who has overdue conversations or open leads without a next
    step one DAILY_DIGEST for `today` (the digest lists them when it is sent); returns how
    many were owed anew."""
    today = today or timezone.localdate()
    recipients = User.objects.filter(
        pk__in=digest_recipient_ids(now=timezone.now()), is_active=True
    ).exclude(email="")
    kind = NotificationKind.DAILY_DIGEST
    notifications = [
        Notification(
            key=notification_key(
                kind=kind, lead=None, recipient=recipient, about=today.isoformat()
            ),
            kind=kind,
            recipient=recipient,
        )
        for recipient in recipients.only("pk")
    ]
    return len(notification_queue_bulk(notifications=notifications)) if notifications else 0
