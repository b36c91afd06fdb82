"""Writes on the outbox: owing an email (in the transaction of the change it tells about)
and sending it (in a Celery task, see tasks.py)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, override

from crm.core.models import User
from leads.models import Lead

from .models import Notification, NotificationKind

SUBJECTS = {
    NotificationKind.LEAD_ASSIGNED: gettext_lazy("New lead: %(name)s"),
    NotificationKind.INQUIRY_ADDED: gettext_lazy("New inquiry on your lead: %(name)s"),
    NotificationKind.LEAD_LINKED: gettext_lazy("Lead linked to your client: %(name)s"),
}
INTROS = {
    NotificationKind.LEAD_ASSIGNED: gettext_lazy("A new lead has been assigned to you: %(name)s."),
    NotificationKind.INQUIRY_ADDED: gettext_lazy(
        "A new inquiry has arrived on your lead %(name)s."
    ),
    NotificationKind.LEAD_LINKED: gettext_lazy("A lead has been linked to your client: %(name)s."),
}
# The contact snapshot shown in the email, labelled by the lead's own field names.
CONTACT_FIELDS = ["contact_first_name", "contact_last_name", "contact_email", "contact_phone"]
# Without EMAIL_TIMEOUT an unanswering mail server would hold the worker and the row lock
# forever; after this many seconds the send fails and is retried.
SMTP_TIMEOUT = 30


def notification_key(*, kind: str, lead: Lead, recipient: User, about: str = "") -> str:
    """What the email is about; the same key is the same email."""
    return ":".join(filter(None, [kind, str(lead.pk), str(recipient.pk), about]))


def notification_queue(
    *, kind: NotificationKind, lead: Lead, recipient: User, about: str = ""
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
        name = one_line(
            " ".join(filter(None, [lead.contact_first_name, lead.contact_last_name])) or lead.name
        )
        # Collapsed to one line: a name carrying CR/LF must never start a new header.
        subject = one_line(gettext(SUBJECTS[notification.kind]) % {"name": name})
        context = {
            "language": language,
            "subject": subject,
            "greeting_name": recipient.first_name or recipient.username,
            "intro": gettext(INTROS[notification.kind]) % {"name": name},
            "lead": lead,
            "contact": [
                (capfirst(Lead._meta.get_field(field).verbose_name), getattr(lead, field))
                for field in CONTACT_FIELDS
            ]
            + [(capfirst(Lead._meta.get_field("source").verbose_name), lead.source.name)],
            "message_label": capfirst(Lead._meta.get_field("message").verbose_name),
            "lead_url": settings.LEJEK_BASE_URL.rstrip("/") + lead.get_absolute_url(),
        }
        email = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("notifications/email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
            headers={
                "Message-ID": notification_message_id(notification.key),
                "Content-Language": language,
                # No out-of-office replies to a robot.
                "Auto-Submitted": "auto-generated",
            },
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT),
        )
        email.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    return email


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
