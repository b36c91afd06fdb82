"""Archiving: a closed lead (won, failed or a deleted inquiry) put out of the everyday
list, kanban and My day, and brought back. The reports still count it: archiving changes
where a lead is shown, not what happened to it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import Lead

from .bulk import BulkResult, leads_each
from .common import save_lead

# Whoever may edit a lead may archive it (the views have already checked that they see it).
EDIT_PERMISSION = "leads.change_lead"


def _locked(lead: Lead) -> Lead:
    """The lead's row locked for this transaction, re-read: two users archiving the same
    lead at once do it one after the other, the second seeing the first's change."""
    return Lead.objects.select_for_update().select_related("status").get(pk=lead.pk)


def _check_permission(user: User) -> None:
    if not user.has_perm(EDIT_PERMISSION):
        raise PermissionDenied(_("You may not change leads."))


def lead_archive_refusal(lead: Lead) -> str | None:
    """Why the lead may not be archived now, or None."""
    if lead.is_archived:
        return _("This lead is already archived.")
    if not (lead.status.is_won or lead.is_failed or lead.is_deleted):
        return _("Only a won, failed or deleted lead can be archived.")
    return None


@transaction.atomic
def lead_archive(*, lead: Lead, user: User) -> Lead:
    """Archive a closed lead: it leaves the default list, kanban and My day (a filter
    shows it) and stays in the reports; its history names who archived it and when."""
    _check_permission(user)
    locked = _locked(lead)
    if refusal := lead_archive_refusal(locked):
        raise ValidationError(refusal)
    locked.archived_at = timezone.now()
    locked.archived_by = user
    return save_lead(locked, user=user)


@transaction.atomic
def lead_unarchive(*, lead: Lead, user: User) -> Lead:
    """Bring an archived lead back to the list, kanban and My day, as it was closed; the
    history keeps that it was archived."""
    _check_permission(user)
    locked = _locked(lead)
    if not locked.is_archived:
        raise ValidationError(_("This lead is not archived."))
    locked.archived_at = None
    locked.archived_by = None
    return save_lead(locked, user=user)


def leads_archive(*, leads: list[Lead], user: User) -> BulkResult:
    """Archive each lead by the same rules as one by one; a lead the rules refuse (an open
    one, one already archived) is reported with the reason, the others are archived."""
    return _each_with_permission(leads, lead_archive, user=user)


def leads_unarchive(*, leads: list[Lead], user: User) -> BulkResult:
    """Unarchive each lead; one that is not archived is reported, the others come back."""
    return _each_with_permission(leads, lead_unarchive, user=user)


def _each_with_permission(leads: list[Lead], action, *, user: User) -> BulkResult:
    _check_permission(user)  # refused once for all, before any lead is touched
    return leads_each(leads, action, user=user)
