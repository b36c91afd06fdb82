"""Conversations (rozmowy): the done ones and the planned next steps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client

from .lead import Lead


class ActivityKind(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    SMS = "sms", _("SMS")
    MESSENGER = "messenger", _("Messenger")
    OTHER = "other", _("Other")


class ActivityDirection(models.TextChoices):
    OUTBOUND = "out", _("Outbound")
    INBOUND = "in", _("Inbound")


class Activity(models.Model):
    """A conversation (rozmowa) on a lead: planned (the next step) or done.

    A planned activity has planned_at and no done_at; the lead's next step is its earliest
    planned one. Logging a done conversation and planning the next one are two rows.
    """

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="activities"
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ActivityKind, default=ActivityKind.PHONE
    )
    direction = models.CharField(
        _("direction"),
        max_length=3,
        choices=ActivityDirection,
        default=ActivityDirection.OUTBOUND,
    )
    planned_at = models.DateTimeField(_("planned for"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    # PKE art. 398: an outbound marketing call, SMS or email needs the channel's consent.
    # db_default too: bulk loads that name the columns they write (the benchmark's COPY,
    # the demo) leave it out.
    is_marketing = models.BooleanField(
        _("marketing contact"),
        default=False,
        db_default=False,
        help_text=_("An offer the person did not ask for."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # Read per lead (the History tab); the other copied foreign keys need no index.
    history = HistoricalRecords(no_db_index=["client", "employee", "created_by"])

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The next step of a lead: its earliest activity still planned.
            models.Index(
                fields=["lead", "planned_at"],
                condition=models.Q(done_at__isnull=True),
                name="activity_next_step_idx",
            ),
            models.Index(fields=["lead", "-done_at"], name="activity_last_done_idx"),
            # The reminder sweep: planned conversations due in the next minutes, whatever
            # the number of done ones.
            models.Index(
                fields=["planned_at"],
                condition=models.Q(done_at__isnull=True),
                name="activity_planned_due_idx",
            ),
            # "My day" and the digest: one advisor's planned conversations by date.
            models.Index(
                fields=["employee", "planned_at"],
                condition=models.Q(done_at__isnull=True),
                name="activity_employee_planned_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_at__isnull=False) | models.Q(done_at__isnull=False),
                name="activity_planned_or_done",
                violation_error_message=_("A conversation is either planned or done."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.lead}"

    @property
    def is_planned(self) -> bool:
        return self.done_at is None
