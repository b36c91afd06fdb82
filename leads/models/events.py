"""Moments in a lead's life the reports measure from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .lead import Lead


class LeadEventKind(models.TextChoices):
    CREATED = "created", _("Lead created")
    CLIENT_CREATED = "client_created", _("Client created from the lead")
    FIRST_PHONE = "first_phone", _("First phone call")
    FIRST_EMAIL = "first_email", _("First email")
    FIRST_MEETING = "first_meeting", _("First meeting")
    FIRST_SMS = "first_sms", _("First SMS")
    FIRST_OTHER = "first_other", _("First other conversation")


# The first conversation of each channel (phone, email, meeting, SMS, other).
FIRST_CONTACT_KINDS = (
    LeadEventKind.FIRST_PHONE,
    LeadEventKind.FIRST_EMAIL,
    LeadEventKind.FIRST_MEETING,
    LeadEventKind.FIRST_SMS,
    LeadEventKind.FIRST_OTHER,
)

# The lead's report columns that copy an event's time (leads/services/figures.py).
EVENT_COLUMNS = {
    LeadEventKind.CLIENT_CREATED: "client_created_at",
    LeadEventKind.FIRST_PHONE: "first_phone_at",
    LeadEventKind.FIRST_EMAIL: "first_email_at",
    LeadEventKind.FIRST_MEETING: "first_meeting_at",
}


class LeadEvent(models.Model):
    """A moment in a lead's life the reports measure from (response times): each kind at
    most once per lead, with its time."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=LeadEventKind)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        constraints = [
            models.UniqueConstraint(fields=["lead", "kind"], name="lead_event_once_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=LeadEventKind.values), name="lead_event_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["kind", "at"], name="lead_event_kind_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.lead_id}"
