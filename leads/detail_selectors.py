"""Reads for the lead page beyond `lead_get_for_user`: the lean lead of an action or a tab,
the rows of the Clients and Contractors tabs, the last and next conversation, and how many
rows each tab holds.

Scoping goes through `leads.selectors.leads_visible_to`; the other reads take a lead the
caller already got through it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from clients.models import Client, Contractor
from crm.core.models import User

from .models import (
    Activity,
    Contract,
    Document,
    Lead,
    Note,
    Offer,
    Reservation,
    SurveyResponse,
)
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


def _count_of(model: type[Model]) -> Coalesce:
    """How many rows of `model` belong to the outer lead (0 for none), as a subquery."""
    rows = (
        model.objects.filter(lead=OuterRef("pk"))
        .order_by()
        .values("lead")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def lead_tab_counts(*, lead: Lead) -> dict[str, int]:
    """How many rows each tab of the lead page holds (History has no count), in one query
    whatever their number: one subquery per kind of row, on the lead's own row."""
    counts = (
        Lead.objects.filter(pk=lead.pk)
        .values("pk")
        .annotate(
            clients=_count_of(Lead.clients.through),
            contractors=_count_of(Lead.contractors.through),
            conversations=_count_of(Activity),
            surveys=_count_of(SurveyResponse),
            offers=_count_of(Offer),
            reservations=_count_of(Reservation),
            contracts=_count_of(Contract),
            notes=_count_of(Note),
            files=_count_of(Document),
        )
        .get()
    )
    return {
        "clients": counts["clients"],
        "contractors": counts["contractors"],
        "conversations": counts["conversations"],
        "surveys": counts["surveys"],
        # "Offers and reservations" and "Notes and documents" count both of their lists.
        "offers": counts["offers"] + counts["reservations"],
        "contracts": counts["contracts"],
        "documents": counts["notes"] + counts["files"],
    }
