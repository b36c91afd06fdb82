"""The pipeline: status changes (by hand and by events), failure and reactivation, and
whether a lead takes new work."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import FailureReason, Lead, LeadStatus
from settings_app.selectors import crm_settings

from .common import save_lead
from .figures import lead_figures_won_changed


def statuses_for_manual_move() -> QuerySet[LeadStatus]:
    """The statuses a user may move a lead to by hand (the status select, the kanban's
    menu, the bulk action): the active ones that do not win it. A lead is won only by
    signing a contract."""
    return LeadStatus.objects.filter(active=True, is_won=False)


def lead_contract_refusal(lead: Lead) -> str | None:
    """Why the lead's state may not be changed by hand (moved, failed, deleted), or None:
    it holds a signed contract, which only its cancellation undoes."""
    if lead.contracts.filter(cancelled_at__isnull=True).exists():
        return _(
            "This lead has a signed contract; it changes only when a manager cancels the "
            "contract (Contracts tab)."
        )
    return None


@transaction.atomic
def lead_change_status(*, lead: Lead, status: LeadStatus, user: User) -> Lead:
    """Move a lead to another pipeline stage by hand.

    Refused when the settings turn manual changes off, for a failed or deleted lead, for
    an inactive status, for a won status (only a contract wins a lead) and for a lead that
    holds a signed contract (only cancelling it reopens the lead). A won lead left without
    an active contract (from before this rule) may be moved back by whoever may cancel
    contracts."""
    if not crm_settings().manual_status_change_allowed:
        raise ValidationError(_("Manual status changes are turned off in the CRM settings."))
    if refusal := lead_closed_refusal(lead=lead, won_closes=False):
        raise ValidationError(refusal)
    if status.is_won:
        raise ValidationError(
            _(
                "“%(status)s” is reached only by signing a contract: add the contract on "
                "the lead's page (Create contract)."
            )
            % {"status": status}
        )
    if not status.active:
        raise ValidationError(_("The status “%(status)s” is not active.") % {"status": status})
    if refusal := lead_contract_refusal(lead):
        raise ValidationError(refusal)
    if lead.status.is_won and not user.has_perm("leads.cancel_contract"):
        raise ValidationError(_("Only a manager can reopen a won lead."))
    return lead_move_by_event(lead=lead, status=status, user=user)


@transaction.atomic
def lead_move_by_event(*, lead: Lead, status: LeadStatus, user: User) -> Lead:
    """Move a lead to `status` because something happened on it (a contract, its first
    offer or reservation), not by hand: the manual-change setting does not apply. Reaching
    a won status closes the lead; leaving it reopens it. The history names `user`."""
    if status.pk == lead.status_id:
        return lead
    was_won = lead.status.is_won
    lead.status = status
    lead.closed_at = timezone.now() if status.is_won else None
    save_lead(lead, user=user)
    if status.is_won != was_won:
        lead_figures_won_changed(lead)
    return lead


def lead_status_after_event(*, lead: Lead, slug: str) -> LeadStatus | None:
    """The active status `slug` when the open lead is still in an earlier stage (its first
    offer takes it to "oferta", its first reservation to "rezerwacja-wstepna"), else None."""
    if lead.is_failed or lead.is_deleted or lead.status.is_won:
        return None
    target = LeadStatus.objects.filter(slug=slug, active=True).first()
    if target is None or (lead.status.order, lead.status_id) >= (target.order, target.pk):
        return None
    return target


@transaction.atomic
def lead_advance_by_event(*, lead: Lead, slug: str, user: User) -> LeadStatus | None:
    """After an event that belongs to the stage `slug`: move an open lead in an earlier
    stage there when manual status changes are off; when they are on, return that status
    for the page to suggest (the user accepts or dismisses it). None: nothing to suggest."""
    target = lead_status_after_event(lead=lead, slug=slug)
    if target is None or crm_settings().manual_status_change_allowed:
        return target
    lead_move_by_event(lead=lead, status=target, user=user)
    return None


def lead_archived_refusal(lead: Lead) -> str | None:
    """Why an archived lead takes no change of its state or new work, or None: it is
    unarchived first (leads/services/archive.py), so that nothing reopens out of sight."""
    if lead.is_archived:
        return _("This lead is archived; unarchive it first.")
    return None


def lead_closed_refusal(
    *, lead: Lead, won_closes: bool = True, failed_closes: bool = True
) -> str | None:
    """Why the lead takes no new work now (a conversation, survey, offer, reservation,
    contract, note), or None. An archived lead is unarchived first, a deleted inquiry
    restored first and a failed lead reactivated first (unless `failed_closes` is off:
    notes and files still go on it); a won lead is closed to the work before a contract
    (`won_closes`)."""
    if refusal := lead_archived_refusal(lead):
        return refusal
    if lead.is_deleted:
        return _("This inquiry is deleted; restore it first.")
    if failed_closes and lead.is_failed:
        return _("This lead is marked as a failure; reactivate it first.")
    if won_closes and lead.status.is_won:
        return _("This lead is won and closed.")
    return None


@transaction.atomic
def lead_mark_failed(
    *, lead: Lead, reason: FailureReason | None, user: User, comment: str = ""
) -> Lead:
    """Close a lead as a failure (fiasko) with an active reason; it stays for reports. Its
    active preliminary reservations are cancelled, their units available again."""
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
    if refusal := lead_contract_refusal(lead):
        raise ValidationError(refusal)
    # Imported here: the sales services build on this module's status moves.
    from .sales import lead_reservations_release

    now = timezone.now()
    lead.failed_at = now
    lead.closed_at = now
    lead.failure_reason = reason
    lead.failure_comment = comment.strip()
    # A failed lead holds no unit: its preliminary reservations are cancelled.
    lead_reservations_release(lead=lead, user=user)
    return save_lead(lead, user=user)


@transaction.atomic
def lead_reactivate(*, lead: Lead, user: User) -> Lead:
    """Reopen a failed lead; its history keeps the failure that was."""
    if not lead.is_failed:
        raise ValidationError(_("Only a lead marked as a failure can be reactivated."))
    if refusal := lead_archived_refusal(lead):
        raise ValidationError(refusal)
    lead.failed_at = None
    lead.closed_at = None
    lead.failure_reason = None
    lead.failure_comment = ""
    return save_lead(lead, user=user)
