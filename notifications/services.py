"""Writes on the outbox: owing an email (in the transaction of the change it tells about)
and sending it (in a Celery task, see tasks.py)."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, override

from crm.core.formatting import format_phone
from crm.core.models import User
from crm.core.params import whole_number
from leads.models import Activity, ImportBatch, Lead
from leads.selectors.conversations import digest_for

from .models import Notification, NotificationKind

SUBJECTS = {
    NotificationKind.LEAD_ASSIGNED: gettext_lazy("New lead: %(name)s"),
    NotificationKind.INQUIRY_ADDED: gettext_lazy("New inquiry on your lead: %(name)s"),
    NotificationKind.LEAD_LINKED: gettext_lazy("Lead linked to your client: %(name)s"),
    NotificationKind.CONVERSATION_REMINDER: gettext_lazy(
        "Reminder: %(kind)s with %(name)s at %(time)s"
    ),
    NotificationKind.DAILY_DIGEST: gettext_lazy("Your Lejek digest for %(date)s"),
    NotificationKind.RESERVATION_EXPIRED: gettext_lazy("Reservation expired: %(name)s"),
    NotificationKind.IMPORT_ASSIGNED: gettext_lazy("Imported leads for you: %(count)s"),
}
INTROS = {
    NotificationKind.IMPORT_ASSIGNED: gettext_lazy(
        "An import of the file %(file)s by %(who)s has given you %(count)s new leads."
    ),
    NotificationKind.LEAD_ASSIGNED: gettext_lazy("A new lead has been assigned to you: %(name)s."),
    NotificationKind.INQUIRY_ADDED: gettext_lazy(
        "A new inquiry has arrived on your lead %(name)s."
    ),
    NotificationKind.LEAD_LINKED: gettext_lazy("A lead has been linked to your client: %(name)s."),
    NotificationKind.CONVERSATION_REMINDER: gettext_lazy(
        "Reminder: you have planned a conversation (%(kind)s) with %(name)s at %(time)s."
    ),
    NotificationKind.DAILY_DIGEST: gettext_lazy(
        "Overdue conversations: %(overdue)s. Open leads without a next step: %(without)s."
    ),
    NotificationKind.RESERVATION_EXPIRED: gettext_lazy(
        "A preliminary reservation on your lead %(name)s has expired; the unit is available again."
    ),
}
# The contact snapshot shown in the email, labelled by the lead's own field names.
CONTACT_FIELDS = ["contact_first_name", "contact_last_name", "contact_email", "contact_phone"]
# Without EMAIL_TIMEOUT an unanswering mail server would hold the worker and the row lock
# forever; after this many seconds the send fails and is retried.
SMTP_TIMEOUT = 30


def notification_key(*, kind: str, lead: Lead | None, recipient: User, about: str = "") -> str:
    """What the email is about; the same key is the same email. No lead: an email about
    many leads (the daily digest)."""
    lead_part = str(lead.pk) if lead is not None else ""
    return ":".join(filter(None, [kind, lead_part, str(recipient.pk), about]))


def notification_queue(
    *, kind: NotificationKind, lead: Lead | None, recipient: User, about: str = ""
) -> str:
    """Owe `recipient` an email about `lead`, sent once the caller's transaction commits.
    Asking again for the same (kind, lead, recipient, about) owes nothing new. `about`
    tells apart several emails of one kind on one lead (e.g. each added inquiry)."""
    from .tasks import send_notification

    key = notification_key(kind=kind, lead=lead, recipient=recipient, about=about)
    Notification.objects.bulk_create(
        [Notification(key=key, kind=kind, lead=lead, recipient=recipient)],
        ignore_conflicts=True,
    )
    # robust: without a broker (make run) the task runs right here; a mail server error
    # must not turn the committed change into an error page.
    transaction.on_commit(lambda: send_notification.delay(key), robust=True)
    return key


def notification_queue_bulk(*, notifications: list[Notification]) -> list[str]:
    """Owe many emails at once (a periodic sweep): the rows not owed yet are inserted in
    one statement, each sent once the caller's transaction commits; returns their keys.
    A row owed already, or inserted meanwhile by a sweep running at the same time, stays
    one row, and the send's row lock and sent_at make it one email."""
    from .tasks import send_notification

    keys = [notification.key for notification in notifications]
    owed = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    new = [notification for notification in notifications if notification.key not in owed]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    new_keys = [notification.key for notification in new]

    def send() -> None:
        for key in new_keys:
            send_notification.delay(key)

    if new_keys:
        transaction.on_commit(send, robust=True)
    return new_keys


def notification_send(*, key: str) -> bool:
    """Send the email owed under `key`, in its recipient's language, unless it is gone or
    already sent; say whether it was sent now.

    The row stays locked while the mail server answers, so two tasks for one key send one
    email. A mail server error is counted on the row (attempts, last error) and raised again
    for the task to retry. Delivery is at least once: if the worker dies after the server
    took the email but before sent_at is committed, it is sent again, with the same
    Message-ID, by which the receiving side can drop the copy."""
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("recipient", "lead__source")
                .filter(key=key)
                .first()
            )
            if notification is None or notification.sent_at is not None:
                return False
            recipient = notification.recipient
            if not recipient.is_active or not recipient.email:
                # Never mail a lead's contact data to someone who left; the outbox drain
                # tries again while the row is fresh, in case an address is filled in.
                notification.last_error = gettext(
                    "The recipient is inactive or has no email address."
                )
                notification.save(update_fields=["last_error"])
                return False
            notification_email(notification).send()
            notification.sent_at = timezone.now()
            notification.save(update_fields=["sent_at"])
            return True
    except OSError as error:  # smtplib.SMTPException and ConnectionError are OSErrors
        # Outside the rolled-back block, so the count survives the failure.
        Notification.objects.filter(key=key, sent_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The email of `notification`, in its recipient's language: a plain-text body and an
    HTML alternative, a one-line subject and a Message-ID derived from the key."""
    recipient, lead = notification.recipient, notification.lead
    language = recipient.language or settings.LANGUAGE_CODE
    with override(language):
        if notification.kind == NotificationKind.IMPORT_ASSIGNED:
            return _import_email(notification, language=language)
        if lead is None:
            return _digest_email(notification, language=language)
        name = one_line(
            " ".join(filter(None, [lead.contact_first_name, lead.contact_last_name])) or lead.name
        )
        values = {"name": name}
        if notification.kind == NotificationKind.CONVERSATION_REMINDER:
            values = _reminder_values(notification, default_name=name)
        # Collapsed to one line: a name carrying CR/LF must never start a new header.
        subject = one_line(gettext(SUBJECTS[notification.kind]) % values)
        context = {
            "language": language,
            "subject": subject,
            "greeting_name": recipient.first_name or recipient.username,
            "intro": gettext(INTROS[notification.kind]) % values,
            "lead": lead,
            "contact": [
                (capfirst(Lead._meta.get_field(field).verbose_name), _contact_value(lead, field))
                for field in CONTACT_FIELDS
            ]
            + [(capfirst(Lead._meta.get_field("source").verbose_name), lead.source.name)],
            "message_label": capfirst(Lead._meta.get_field("message").verbose_name),
            # An inquiry added to the lead: what it says, not the lead's first inquiry.
            "inquiry": _added_inquiry(notification),
            "lead_url": settings.LEJEK_BASE_URL.rstrip("/") + lead.get_absolute_url(),
        }
        return _email(notification, context, template="notifications/email")


def _email(notification: Notification, context: dict, *, template: str) -> EmailMultiAlternatives:
    """The email of `context` (its subject already one line) from `template`.txt and .html."""
    email = EmailMultiAlternatives(
        subject=context["subject"],
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={
            "Message-ID": notification_message_id(notification.key),
            "Content-Language": context["language"],
            # No out-of-office replies to a robot.
            "Auto-Submitted": "auto-generated",
        },
        connection=get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT),
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return email


def _key_activity_pk(notification: Notification) -> int | None:
    """The activity a notification's key names after its recipient ("<activity id>" or
    "<activity id>:<planned at>"), or None when the key names none."""
    about = notification.key.split(":", 3)[-1]
    return whole_number(about.partition(":")[0])


def _contact_value(lead: Lead, field: str) -> str:
    """A contact field as the pages show it: the phone in the international format."""
    value = getattr(lead, field)
    return format_phone(value) if field == "contact_phone" else value


def _added_inquiry(notification: Notification) -> str | None:
    """The inquiry an "inquiry added" email is about, as it was logged on the lead (its
    source, contact and message); None for any other email."""
    if notification.kind != NotificationKind.INQUIRY_ADDED:
        return None
    activity_pk = _key_activity_pk(notification)
    notes = (
        Activity.objects.filter(pk=activity_pk, lead=notification.lead_id)
        .values_list("notes", flat=True)
        .first()
        if activity_pk is not None
        else None
    )
    return notes or ""


def _reminder_values(notification: Notification, *, default_name: str) -> dict[str, str]:
    """What a reminder's subject and intro say: the conversation's kind, with whom (its
    client, else the lead's contact) and when, from the key's "<activity id>:<planned at>"
    (the time the reminder was queued for, in Lejek's time zone)."""
    activity_pk = _key_activity_pk(notification)
    activity = (
        Activity.objects.select_related("client").filter(pk=activity_pk).first()
        if activity_pk is not None
        else None
    )
    planned_at = notification.key.split(":", 3)[-1].partition(":")[2]
    try:
        when = datetime.fromisoformat(planned_at)
    except ValueError:
        when = activity.planned_at if activity is not None else None
    name = default_name
    if activity is not None and activity.client is not None:
        name = one_line(str(activity.client)) or default_name
    return {
        "name": name,
        "kind": activity.get_kind_display().lower() if activity else gettext("conversation"),
        "time": date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT") if when else "",
    }


def _digest_email(notification: Notification, *, language: str) -> EmailMultiAlternatives:
    """The daily digest (an email about no one lead): the recipient's overdue conversations
    and open leads without a next step, each with a link, read when it is sent."""
    recipient = notification.recipient
    digest = digest_for(user=recipient)
    base = settings.LEJEK_BASE_URL.rstrip("/")
    day = notification.key.rsplit(":", 1)[-1]
    try:
        day = date_format(date.fromisoformat(day), "SHORT_DATE_FORMAT")
    except ValueError:
        day = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    values = {
        "date": day,
        "overdue": digest.overdue_count,
        "without": digest.without_next_step_count,
    }
    context = {
        "language": language,
        "subject": one_line(gettext(SUBJECTS[notification.kind]) % values),
        "greeting_name": recipient.first_name or recipient.username,
        "intro": gettext(INTROS[notification.kind]) % values,
        "overdue": [
            {
                "when": date_format(timezone.localtime(a.planned_at), "SHORT_DATETIME_FORMAT"),
                "kind": a.get_kind_display(),
                "lead": one_line(a.lead.name),
                "url": base + a.lead.get_absolute_url(),
            }
            for a in digest.overdue
        ],
        "overdue_more": digest.overdue_count - len(digest.overdue),
        "without_next_step": [
            {"lead": one_line(lead.name), "url": base + lead.get_absolute_url()}
            for lead in digest.without_next_step
        ],
        "without_more": digest.without_next_step_count - len(digest.without_next_step),
        "my_day_url": base + reverse("leads:my_day"),
    }
    return _email(notification, context, template="notifications/digest")


def _import_email(notification: Notification, *, language: str) -> EmailMultiAlternatives:
    """An import's one email to an employee it gave leads to: how many, from which file,
    and a link to the lead list filtered to them (the key ends with "batch<id>")."""
    recipient = notification.recipient
    batch_id = notification.key.rsplit("batch", 1)[-1]
    batch = ImportBatch.objects.select_related("created_by").filter(pk=batch_id).first()
    count = Lead.objects.filter(import_batch=batch, employees=recipient).count() if batch else 0
    values = {
        "count": count,
        "file": one_line(batch.file_name) if batch else "",
        "who": one_line(str(batch.created_by or "")) if batch else "",
    }
    query = urlencode({"import_batch": batch_id, "employee": recipient.pk})
    context = {
        "language": language,
        "subject": one_line(gettext(SUBJECTS[notification.kind]) % values),
        "greeting_name": recipient.first_name or recipient.username,
        "intro": gettext(INTROS[notification.kind]) % values,
        "leads_url": f"{settings.LEJEK_BASE_URL.rstrip('/')}{reverse('leads:list')}?{query}",
    }
    return _email(notification, context, template="notifications/import")


def notification_message_id(key: str) -> str:
    """The Message-ID of the email owed under `key`: the same for every copy of it, so a
    receiver can drop a second delivery; the domain is Lejek's own host, so that another
    installation (a staging copy) never makes the same id."""
    local = re.sub(r"[^A-Za-z0-9_-]+", ".", key).strip(".") or "notification"
    domain = urlsplit(settings.LEJEK_BASE_URL).hostname or "lejek"
    domain = re.sub(r"[^A-Za-z0-9.-]+", "", domain) or "lejek"
    return f"<{local}@{domain}>"


def one_line(text: str) -> str:
    return " ".join(text.split())
