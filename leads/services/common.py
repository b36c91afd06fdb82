"""Helpers shared by the lead services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import Lead, LeadStatus

from .board import board_entries_update


def first_status() -> LeadStatus:
    """The first active status of the pipeline, where new leads start."""
    status = LeadStatus.objects.filter(active=True).order_by("order", "id").first()
    if status is None:
        raise ValidationError(_("No active lead status is configured."))
    return status


def save_lead(lead: Lead, *, user: User | None) -> Lead:
    """Validate and save a changed lead, recording who changed it (also in its history)."""
    lead.updated_by = user
    lead.updated_at = timezone.now()
    lead._history_user = user  # django-simple-history records who made the change
    lead.full_clean()
    lead.save()
    board_entries_update(lead=lead)
    return lead
