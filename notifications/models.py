from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead


class NotificationKind(models.TextChoices):
    LEAD_ASSIGNED = "lead_assigned", _("A new lead is yours")
    INQUIRY_ADDED = "inquiry_added", _("A new inquiry on your lead")
    LEAD_LINKED = "lead_linked", _("A lead linked to your client")
    CONVERSATION_REMINDER = "reminder", _("A planned conversation is coming up")
    DAILY_DIGEST = "digest", _("The daily digest: overdue leads and leads without a next step")
    RESERVATION_EXPIRED = "reservation_expired", _("A preliminary reservation has expired")
    IMPORT_ASSIGNED = "import_assigned", _("Imported leads are yours")


class Notification(models.Model):
    """An email owed to an employee: the outbox row written in the same transaction as the
    change it tells about, then sent by a Celery task.

    The key says what the email is about (kind, lead, recipient), so asking twice for the
    same email makes one row; `sent_at` makes a second run of the task a no-op."""

    key = models.CharField(max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # Empty for an email about many leads (the daily digest).
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The outbox: what is still to be sent, oldest first.
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values),
                name="notification_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.key
