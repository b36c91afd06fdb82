"""Reads for the lead page beyond `lead_get_for_user`: the lean lead of an action or a tab,
the rows of the Clients and Contractors tabs, and the last and next conversation.

Scoping goes through `leads.selectors.leads_visible_to`; the other reads take a lead the
caller already got through it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from clients.models import Client, Contractor
from crm.core.models import User

from .models import Activity, Lead
from .selectors import leads_visible_to


def lead_get_light_for_user(*, user: User, pk: int) -> Lead:
    """One lead the user may see, with its status only (for an action or a tab); 404
    otherwise."""
    return get_object_or_404(leads_visible_to(user).select_related("status"), pk=pk)


def lead_clients(*, lead: Lead) -> QuerySet[Client]:
    """The clients of a lead with what the Clients tab shows, in one query."""
    return Client.objects.filter(leads=lead).select_related("caretaker", "source", "branch")


def lead_contractors(*, lead: Lead) -> QuerySet[Contractor]:
    """The contractors of a lead, in one query."""
    return Contractor.objects.filter(leads=lead)


@dataclass(frozen=True)
class Conversations:
    last_done: Activity | None
    next_planned: Activity | None


def lead_conversations(*, lead: Lead) -> Conversations:
    """The lead's last done conversation (latest done_at) and its next step (the earliest
    planned one not done yet), each from its own index."""
    activities = Activity.objects.filter(lead=lead).select_related("employee")
    return Conversations(
        last_done=activities.filter(done_at__isnull=False).order_by("-done_at", "-id").first(),
        next_planned=activities.filter(done_at__isnull=True, planned_at__isnull=False)
        .order_by("planned_at", "id")
        .first(),
    )
