"""Creating and editing leads by hand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client, Contractor, LeadSource
from crm.core.models import User
from investments.models import Investment
from leads.models import Lead, LeadStatus
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
    created_at=None,
) -> Lead:
    """Create a lead by hand. The name defaults to the settings' default lead name, the
    branch is the creator's, and the creator becomes an employee when nobody is given."""
    if user.branch_id is None:
        raise ValidationError(_("You have no branch; ask an administrator to set one."))
    now = created_at or timezone.now()
    lead = Lead(
        name=name.strip() or crm_settings().default_lead_name,
        status=status or first_status(),
        branch_id=user.branch_id,
        source=source,
        created_by=user,
        created_at=now,
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


@transaction.atomic
def lead_update(
    *, lead: Lead, user: User, data: Mapping[str, Any], expected_updated_at: datetime
) -> Lead:
    """Save the lead form: name, source, clients, contractors, investments, employees.

    `expected_updated_at` is the lead's `updated_at` when the user opened the form; if
    someone saved the lead since, nothing is written and a ValidationError says who and
    when. Each changed relation is recorded in the lead's history with the user."""
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.updated_at != expected_updated_at:
        raise _stale_error(locked)
    if not data["employees"]:
        raise ValidationError({"employees": MESSAGE_NO_EMPLOYEE})
    locked.name = data["name"].strip()
    locked.source = data["source"]
    save_lead(locked, user=user)
    # Each .set() that changes something adds a history record, made by `user` too.
    clients_before = set(locked.clients.values_list("pk", flat=True))
    locked.clients.set(data["clients"])
    clients_after = {client.pk for client in data["clients"]}
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
