"""Verifying an inquiry: delete it as spam or a test (and restore it), link it to an
existing client, turn it into a new client, or unlink it again.

Each is one transaction: a failure half way (a client that does not validate, a lock
lost) leaves the lead, the client and the planned call as they were.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.candidates import client_matches_contact
from clients.models import Client
from clients.selectors import client_is_visible_to
from clients.services import client_create
from consents.services import consents_move_to_client
from crm.core.models import Role, User
from leads.models import (
    Activity,
    ActivityKind,
    DeletionReason,
    IntakeOutcome,
    Lead,
    LeadEventKind,
)
from leads.selectors.leads import repeat_client_ids
from notifications.models import NotificationKind
from notifications.services import notification_queue
from settings_app.selectors import crm_settings

from .board import board_entries_refresh
from .common import save_lead
from .events import lead_event_record
from .figures import lead_figures_returning
from .pipeline import lead_archived_refusal


def _locked(lead: Lead) -> Lead:
    """The lead's row locked for this transaction, re-read: two users verifying the same
    inquiry at once do it one after the other, the second seeing the first's outcome."""
    return Lead.objects.select_for_update().select_related("status").get(pk=lead.pk)


def _verified_refusal(lead: Lead) -> str | None:
    """Why the lead is no inquiry to verify any more, or None."""
    if lead.intake_outcome == IntakeOutcome.NEW:
        return None
    return _("This inquiry is already verified (%(outcome)s).") % {
        "outcome": lead.get_intake_outcome_display().lower()
    }


def _require_new(lead: Lead) -> None:
    if refusal := _verified_refusal(lead):
        raise ValidationError(refusal)


def lead_deletion_refusal(lead: Lead) -> str | None:
    """Why the lead may not be deleted as an inquiry, or None. Only an inquiry still to
    verify may be: one with no offer, reservation or contract yet (a sales case is closed
    as a failure instead, and a signed contract only by its cancellation). The offer and
    the reservation are read from the lead's kept figures (leads/services/figures.py)."""
    if refusal := _verified_refusal(lead):
        return refusal
    if lead.has_offer or lead.has_reservation or lead.contracts.exists():
        return _(
            "This lead already has an offer, a reservation or a contract: it is not an "
            "inquiry to delete. Mark it as a failure instead."
        )
    return None


@transaction.atomic
def lead_delete(*, lead: Lead, user: User, reason: DeletionReason | None) -> Lead:
    """Delete an unverified inquiry (spam, a test, a duplicate) with a reason: it leaves
    the default lists and boards but is never erased, and a manager can restore it."""
    if reason is None:
        raise ValidationError({"deletion_reason": _("Choose why the inquiry is deleted.")})
    if not reason.active:
        raise ValidationError(
            {
                "deletion_reason": _("The reason “%(reason)s” is no longer used.")
                % {"reason": reason}
            }
        )
    lead = _locked(lead)
    if refusal := lead_deletion_refusal(lead):
        raise ValidationError(refusal)
    lead.intake_outcome = IntakeOutcome.DELETED
    lead.deletion_reason = reason
    return save_lead(lead, user=user)


@transaction.atomic
def lead_restore(*, lead: Lead, user: User) -> Lead:
    """Bring a deleted inquiry back among the new ones."""
    if not user.has_perm("leads.restore_lead"):
        raise PermissionDenied(_("Only a manager can restore a deleted inquiry."))
    lead = _locked(lead)
    if lead.intake_outcome != IntakeOutcome.DELETED:
        raise ValidationError(_("This inquiry is not deleted."))
    if refusal := lead_archived_refusal(lead):
        raise ValidationError(refusal)
    lead.intake_outcome = IntakeOutcome.NEW
    lead.deletion_reason = None
    return save_lead(lead, user=user)


@dataclass(frozen=True)
class Linked:
    """What linking did: the lead, and whether it was handed over to the client's keeper
    (the user may not open the client, so the lead left their desk)."""

    lead: Lead
    handed_to: User | None = None


@transaction.atomic
def lead_link_client(
    *, lead: Lead, client: Client, user: User, notify_caretaker: bool = False
) -> Linked:
    """Link an inquiry to the existing client it comes from. The client's caretaker joins
    the lead's employees (so the lead is on their list), and may be sent an email. A
    client with an earlier lead makes it a repeat lead (`repeat_client_ids`).

    A client the user may not open is chosen only on a phone or email match (a name is
    too easy to make up), and linking never opens it to them: the lead goes to the
    client's branch and caretaker (or, without one, that branch's longest-serving
    manager), and every employee who may not see the client, the user included, leaves
    the lead. The inquiry's consent events become the client's."""
    lead = _locked(lead)
    _require_new(lead)
    visible = client_is_visible_to(user=user, client=client)
    if not visible and not client_matches_contact(
        client, phone=lead.contact_phone, email=lead.contact_email
    ):
        raise ValidationError(
            _(
                "You may link the inquiry to a client you cannot open only when the "
                "inquiry's phone or email is the client's."
            )
        )
    caretaker = client.caretaker
    handed_to = None
    if not visible:
        # Asked before the link: once linked, every employee of the lead would see it.
        keep = [
            employee
            for employee in lead.employees.all()
            if client_is_visible_to(user=employee, client=client)
        ]
    lead.clients.add(client)
    # The consents the inquiry's contact gave are the client's now (the client's state
    # follows the newest of theirs and the inquiry's).
    consents_move_to_client(lead_id=lead.pk, client_id=client.pk)
    if not visible:
        handed_to = _client_keeper(client)
        lead.branch_id = handed_to.branch_id or client.branch_id
        lead.employees.set([*keep, handed_to])
        board_entries_refresh(lead=lead)
    elif caretaker is not None and caretaker.is_active:
        lead.employees.add(caretaker)
        board_entries_refresh(lead=lead)
    if handed_to is not None:  # always told: the lead is theirs now
        notification_queue(kind=NotificationKind.LEAD_LINKED, lead=lead, recipient=handed_to)
    elif notify_caretaker and caretaker is not None and caretaker.is_active:
        notification_queue(kind=NotificationKind.LEAD_LINKED, lead=lead, recipient=caretaker)
    lead.intake_outcome = IntakeOutcome.LINKED
    lead.is_repeat = bool(repeat_client_ids([client.pk], before=lead.created_at))
    save_lead(lead, user=user)
    lead_figures_returning(lead_ids=[lead.pk])
    return Linked(lead=lead, handed_to=handed_to)


def _client_keeper(client: Client) -> User:
    """Who takes a lead handed over for its client: the active caretaker, else the
    longest-serving active manager of the client's branch."""
    if client.caretaker is not None and client.caretaker.is_active:
        return client.caretaker
    manager = (
        User.objects.filter(is_active=True, role=Role.MANAGER, branch_id=client.branch_id)
        .order_by("date_joined", "pk")
        .first()
    )
    if manager is None:
        raise ValidationError(
            _("This client has no caretaker and their branch no manager to hand the lead to.")
        )
    return manager


@transaction.atomic
def lead_convert_to_client(
    *, lead: Lead, user: User, data: dict, allow_duplicates_of: Collection[int] = ()
) -> Client:
    """Create the client an inquiry describes (the client form's data) and link the lead
    to it as converted. A client with a phone gets a first call planned for its caretaker,
    the settings' offset from now. The inquiry's consent events become the client's. An
    existing client with the same phone, email or PESEL
    refuses it (DuplicateClients) unless the user saw it (`allow_duplicates_of`)."""
    lead = _locked(lead)
    _require_new(lead)
    client = client_create(user=user, data=data, allow_duplicates_of=allow_duplicates_of)
    lead.clients.add(client)
    consents_move_to_client(lead_id=lead.pk, client_id=client.pk)
    employees = set(lead.employees.all())
    if client.caretaker is not None and client.caretaker not in employees:
        lead.employees.add(client.caretaker)
        board_entries_refresh(lead=lead)
    now = timezone.now()
    if client.phone and client.caretaker is not None:
        Activity.objects.create(
            lead=lead,
            client=client,
            employee=client.caretaker,
            kind=ActivityKind.PHONE,
            planned_at=now + timedelta(minutes=crm_settings().first_call_offset_minutes),
            notes=_("First call to the new client."),
            created_by=user,
        )
    lead_event_record(lead=lead, kind=LeadEventKind.CLIENT_CREATED, at=now)
    lead.intake_outcome = IntakeOutcome.CONVERTED
    save_lead(lead, user=user)
    # A new client has no other lead: nothing changes for "returning customer".
    return client


@transaction.atomic
def lead_unlink_client(*, lead: Lead, client: Client, user: User) -> Lead:
    """Take a client off a lead linked by mistake. A lead left with no client is a new,
    unverified inquiry again, back in the lead list; its history records both changes."""
    if not user.has_perm("leads.unlink_lead"):
        raise PermissionDenied(_("You may not unlink leads from clients."))
    lead = _locked(lead)
    if not lead.clients.filter(pk=client.pk).exists():
        raise ValidationError(_("This lead is not linked to this client."))
    lead.clients.remove(client)
    if not lead.clients.exists():
        lead.intake_outcome = IntakeOutcome.NEW
        lead.is_repeat = False
    save_lead(lead, user=user)
    # This lead, and the client's other leads if this one was won.
    lead_figures_returning(lead_ids=[lead.pk], client_ids=[client.pk])
    return lead
