"""Actions on many leads at once, chosen in the lead list."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import Lead, LeadStatus

from .board import board_entries_refresh
from .pipeline import lead_change_status


@dataclass
class BulkResult:
    changed: int = 0
    refused: list[tuple[Lead, str]] = field(default_factory=list)


@transaction.atomic
def leads_add_employee(*, leads: list[Lead], employee: User, user: User) -> BulkResult:
    """Put an employee on each lead (they get access to it); leads they already work on are
    left as they are. The employee must belong to the lead's branch."""
    result = BulkResult()
    for lead in leads:
        if employee.branch_id != lead.branch_id and not employee.is_administrator:
            result.refused.append((lead, _employee_branch_message(employee)))
            continue
        if lead.employees.filter(pk=employee.pk).exists():
            continue
        lead._history_user = user
        lead.employees.add(employee)
        board_entries_refresh(lead=lead)
        result.changed += 1
    return result


def _employee_branch_message(employee: User) -> str:
    return _("%(employee)s works in another branch.") % {"employee": employee}


def leads_each(leads: list[Lead], action, *, user: User) -> BulkResult:
    """Run a one-lead service (`action(lead=, user=)`) on each lead, each in a savepoint of
    its own: a lead the service refuses is reported with the reason and leaves nothing
    half-done, the others change."""
    result = BulkResult()
    for lead in leads:
        try:
            with transaction.atomic():
                action(lead=lead, user=user)
        except ValidationError as exc:
            result.refused.append((lead, " ".join(exc.messages)))
        else:
            result.changed += 1
    return result


def leads_change_status(*, leads: list[Lead], status: LeadStatus, user: User) -> BulkResult:
    """Move each lead to a status by the same rules as one by one; a lead the rules refuse
    (a failure, manual changes off) is reported, the others change."""
    result = BulkResult()
    for lead in leads:
        try:
            with transaction.atomic():
                if lead.status_id != status.pk:
                    lead_change_status(lead=lead, status=status, user=user)
                    result.changed += 1
        except ValidationError as exc:
            result.refused.append((lead, " ".join(exc.messages)))
    return result
