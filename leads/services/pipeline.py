"""The pipeline: status changes, failure and reactivation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import FailureReason, Lead, LeadStatus
from settings_app.selectors import crm_settings

from .common import save_lead


@transaction.atomic
def lead_change_status(*, lead: Lead, status: LeadStatus, user: User) -> Lead:
    """Move a lead to another pipeline stage by hand.

    Refused when the settings turn manual changes off, for a failed or deleted lead and
    for an inactive status. Reaching a won status closes the lead; leaving it reopens it.
    """
    if not crm_settings().manual_status_change_allowed:
        raise ValidationError(_("Manual status changes are turned off in the CRM settings."))
    if lead.is_failed:
        raise ValidationError(_("This lead is marked as a failure; reactivate it first."))
    if lead.is_deleted:
        raise ValidationError(_("This inquiry is deleted; restore it first."))
    if not status.active:
        raise ValidationError(_("The status “%(status)s” is not active.") % {"status": status})
    if status.pk == lead.status_id:
        return lead
    lead.status = status
    lead.closed_at = timezone.now() if status.is_won else None
    return save_lead(lead, user=user)


@transaction.atomic
def lead_mark_failed(
    *, lead: Lead, reason: FailureReason | None, user: User, comment: str = ""
) -> Lead:
    """Close a lead as a failure (fiasko) with an active reason; it stays for reports."""
    if reason is None:
        raise ValidationError({"failure_reason": _("Choose the reason for the failure.")})
    if not reason.active:
        raise ValidationError(
            {"failure_reason": _("The reason “%(reason)s” is no longer used.") % {"reason": reason}}
        )
    if lead.is_failed:
        raise ValidationError(_("This lead is already marked as a failure."))
    if lead.status.is_won:
        raise ValidationError(_("A won lead cannot be marked as a failure."))
    now = timezone.now()
    lead.failed_at = now
    lead.closed_at = now
    lead.failure_reason = reason
    lead.failure_comment = comment.strip()
    return save_lead(lead, user=user)


@transaction.atomic
def lead_reactivate(*, lead: Lead, user: User) -> Lead:
    """Reopen a failed lead; its history keeps the failure that was."""
    if not lead.is_failed:
        raise ValidationError(_("Only a lead marked as a failure can be reactivated."))
    lead.failed_at = None
    lead.closed_at = None
    lead.failure_reason = None
    lead.failure_comment = ""
    return save_lead(lead, user=user)
