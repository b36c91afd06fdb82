"""Creating and editing leads by hand."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Contractor, LeadSource
from crm.core.models import User
from investments.models import Investment
from leads.models import Lead, LeadStatus
from settings_app.selectors import crm_settings

from .common import first_status


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
    lead._history_user = user
    lead.full_clean()
    lead.save()
    lead.clients.set(clients)
    lead.contractors.set(contractors)
    lead.investments.set(investments)
    lead.employees.set(list(employees) or [user])
    return lead
