"""Creating and editing leads by hand."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.candidates import client_matches_contact
from clients.models import Client, Contractor, LeadSource
from clients.services import DuplicateClients, client_create
from consents.services import consents_move_to_client
from crm.core.models import User
from investments.models import Investment
from leads.models import IntakeOutcome, Lead, LeadStatus
from leads.selectors.leads import repeat_client_ids
from settings_app.selectors import crm_settings

from .board import board_entries_refresh
from .common import first_status, lead_insert, save_lead
from .figures import lead_figures_returning

MESSAGE_NO_EMPLOYEE = gettext_lazy(
    "Choose at least one employee: only the employees listed can see and work this lead."
)


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
    new_clients: Iterable[tuple[dict, Collection[int]]] = (),
    created_at=None,
) -> Lead:
    """Create a lead by hand. The name defaults to the settings' default lead name, the
    branch is the creator's, and the creator becomes an employee when nobody is given.
    A lead made with its client is verified at once (linked, and a repeat lead when the
    client had one before): only inquiries from outside wait for verification."""
    if user.branch_id is None:
        raise ValidationError(_("You have no branch; ask an administrator to set one."))
    now = created_at or timezone.now()
    clients = [*clients, *clients_create_for_lead(user=user, new_clients=new_clients)]
    lead = Lead(
        name=name.strip() or crm_settings().default_lead_name,
        status=status or first_status(),
        branch_id=user.branch_id,
        source=source,
        created_by=user,
        created_at=now,
        intake_outcome=IntakeOutcome.LINKED if clients else IntakeOutcome.NEW,
        is_repeat=bool(repeat_client_ids([client.pk for client in clients], before=now)),
    )
    lead.updated_at = now
    lead.updated_by = user
    lead.full_clean()
    return lead_insert(
        lead,
        user=user,
        clients=clients,
        contractors=contractors,
        investments=investments,
        employees=list(employees) or [user],
    )


def clients_create_for_lead(
    *, user: User, new_clients: Iterable[tuple[dict, Collection[int]]]
) -> list[Client]:
    """Make the clients added in the lead form's dialog, now that the lead is saved (in
    its transaction: a refused lead leaves no client behind). Each is `client_create`'s
    data and the existing clients the user saw and chose to create it beside."""
    made = []
    for data, seen_duplicates in new_clients:
        try:
            made.append(client_create(user=user, data=data, allow_duplicates_of=seen_duplicates))
        except DuplicateClients as duplicates:
            names = ", ".join(candidate.name for candidate in duplicates.candidates)
            raise ValidationError(
                {
                    "clients": _(
                        "An existing client (%(clients)s) has the phone, email or PESEL of a "
                        "new client of this form: remove the new one and choose the existing "
                        "client, or add it again."
                    )
                    % {"clients": names}
                }
            ) from duplicates
        except ValidationError as error:
            raise ValidationError({"clients": error.messages}) from error
    return made


@transaction.atomic
def lead_update(
    *,
    lead: Lead,
    user: User,
    data: Mapping[str, Any],
    expected_updated_at: datetime,
    new_clients: Iterable[tuple[dict, Collection[int]]] = (),
) -> Lead:
    """Save the lead form: name, source, clients (and the new ones added in its dialog),
    contractors, investments, employees.

    `expected_updated_at` is the lead's `updated_at` when the user opened the form; if
    someone saved the lead since, nothing is written and a ValidationError says who and
    when. Each changed relation is recorded in the lead's history with the user. An
    inquiry given its client here is verified (linked), as on the verify page."""
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.updated_at != expected_updated_at:
        raise _stale_error(locked)
    if not data["employees"]:
        raise ValidationError({"employees": MESSAGE_NO_EMPLOYEE})
    clients = [*data["clients"], *clients_create_for_lead(user=user, new_clients=new_clients)]
    clients_before = set(locked.clients.values_list("pk", flat=True))
    clients_after = {client.pk for client in clients}
    locked.name = data["name"].strip()
    locked.source = data["source"]
    linked = bool(clients_after - clients_before) and locked.intake_outcome == IntakeOutcome.NEW
    if linked:
        # The user tied the inquiry to its client here instead of on the verify page.
        locked.intake_outcome = IntakeOutcome.LINKED
        locked.is_repeat = bool(repeat_client_ids(clients_after, before=locked.created_at))
    save_lead(locked, user=user)
    # Each .set() that changes something adds a history record, made by `user` too.
    locked.clients.set(clients)
    if linked:
        _consents_to_client(locked, [c for c in clients if c.pk not in clients_before])
    if clients_after != clients_before:
        lead_figures_returning(
            lead_ids=[locked.pk],
            client_ids=(clients_before ^ clients_after) if locked.status.is_won else (),
        )
    locked.contractors.set(data["contractors"])
    locked.investments.set(data["investments"])
    locked.employees.set(data["employees"])
    board_entries_refresh(lead=locked)
    return locked


def _consents_to_client(lead: Lead, added: list[Client]) -> None:
    """The inquiry's consent events go to the client it was tied to: the one added with its
    contact's phone or email, else the first added."""
    matching = [
        client
        for client in added
        if client_matches_contact(client, phone=lead.contact_phone, email=lead.contact_email)
    ]
    consents_move_to_client(lead_id=lead.pk, client_id=(matching or added)[0].pk)


def _stale_error(current: Lead) -> ValidationError:
    params = {"time": date_format(timezone.localtime(current.updated_at), "H:i")}
    if current.updated_by is None:
        message = _(
            "This lead was changed at %(time)s since you opened the form; reload to see the "
            "changes."
        )
    else:
        message = _(
            "This lead was changed by %(user)s at %(time)s since you opened the form; reload "
            "to see the changes."
        )
        params["user"] = str(current.updated_by)
    return ValidationError(message, code="stale", params=params)
