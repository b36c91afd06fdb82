"""Writes on leads. Every change goes through here so that rules and history hold."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Contractor, LeadSource
from crm.core.models import User
from investments.models import Investment
from settings_app.selectors import crm_settings

from .models import FailureReason, Lead, LeadStatus


def _first_status() -> LeadStatus:
    status = LeadStatus.objects.filter(active=True).order_by("order", "id").first()
    if status is None:
        raise ValidationError(_("No active lead status is configured."))
    return status


def _save(lead: Lead, *, user: User | None) -> Lead:
    lead.updated_by = user
    lead.updated_at = timezone.now()
    lead._history_user = user  # django-simple-history records who made the change
    lead.full_clean()
    lead.save()
    return lead


@transaction.atomic
def lead_create(
    *,
    user: User,
    source: LeadSource,
    name: str = "",
    status: LeadStatus | None = None,
    clients: Iterable[Client] = (),
    contractors: Iterable[Contractor] = (),
    investments: Iterable[Investment] = (),
    employees: Iterable[User] = (),
    created_at=None,
) -> Lead:
    """Create a lead by hand. The name defaults to the settings' default lead name, the
    branch is the creator's, and the creator becomes an employee when nobody is given."""
    if user.branch_id is None:
        raise ValidationError(_("You have no branch; ask an administrator to set one."))
    now = created_at or timezone.now()
    lead = Lead(
        name=name.strip() or crm_settings().default_lead_name,
        status=status or _first_status(),
        branch_id=user.branch_id,
        source=source,
        created_by=user,
        created_at=now,
    )
    lead.updated_at = now
    lead.updated_by = user
    lead._history_user = user
    lead.full_clean()
    lead.save()
    lead.clients.set(clients)
    lead.contractors.set(contractors)
    lead.investments.set(investments)
    lead.employees.set(list(employees) or [user])
    return lead


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
    return _save(lead, user=user)


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
    return _save(lead, user=user)


@transaction.atomic
def lead_reactivate(*, lead: Lead, user: User) -> Lead:
    """Reopen a failed lead; its history keeps the failure that was."""
    if not lead.is_failed:
        raise ValidationError(_("Only a lead marked as a failure can be reactivated."))
    lead.failed_at = None
    lead.closed_at = None
    lead.failure_reason = None
    lead.failure_comment = ""
    return _save(lead, user=user)
