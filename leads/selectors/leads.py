"""Reads of leads, scoped to what a user may see: what is not visible does not exist (404)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from crm.core.models import User
from leads.person import named_by_default

from ..models import Activity, FailureReason, IntakeOutcome, Lead, LeadStatus


def leads_visible_to(user: User) -> QuerySet[Lead]:
    """Leads a user may see: administrators all; managers their branch; advisors the leads
    on which they are an employee."""
    leads = Lead.objects.all()
    if not user.is_authenticated or not user.is_active:
        return leads.none()
    if user.is_administrator:
        return leads
    if user.is_manager:
        return leads.filter(branch_id=user.branch_id) if user.branch_id else leads.none()
    return leads.filter(employees=user)


def of_returning_customer() -> Exists:
    """Whether a lead's client is a returning customer: one who has another, won lead.
    The lead's stored `of_returning_customer` copies it (leads/services/figures.py): lists,
    pages and reports read that column."""
    return Exists(
        Lead.objects.filter(status__is_won=True, clients__leads=OuterRef("pk")).exclude(
            pk=OuterRef("pk")
        )
    )


def repeat_client_ids(client_ids: Iterable[int], *, before: datetime) -> set[int]:
    """Which of these clients had a lead before `before` (a deleted inquiry does not
    count). A lead of such a client is a repeat lead (powtarzalny): the one rule the
    intake, the import, a lead made by hand and an inquiry linked by hand all follow."""
    client_ids = set(client_ids)
    if not client_ids:
        return set()
    links = Lead.clients.through.objects.filter(
        client_id__in=client_ids, lead__created_at__lt=before
    ).exclude(lead__intake_outcome=IntakeOutcome.DELETED)
    return set(links.values_list("client_id", flat=True).distinct())


def with_list_columns(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """What a list row shows, in a fixed number of queries whatever the page size: the
    related rows joined or prefetched, the next step annotated, the bulky intake fields
    left in the database."""
    next_step = (
        Activity.objects.filter(lead=OuterRef("pk"), done_at__isnull=True)
        .order_by("planned_at")
        .values("planned_at")[:1]
    )
    return (
        leads.select_related("status", "source", "created_by", "updated_by", "failure_reason")
        .prefetch_related("clients", "employees", "investments")
        .defer("raw_payload", "message", "failure_comment")
        .annotate(next_step_at=Subquery(next_step), name_is_default=named_by_default())
    )


def lead_list(*, user: User) -> QuerySet[Lead]:
    """The user's visible leads, neither deleted nor archived, ready for a list."""
    return with_list_columns(leads_visible_to(user).not_deleted().not_archived())


def lead_get_for_user(*, user: User, pk: int) -> Lead:
    """One lead the user may see, with what its page shows; 404 otherwise."""
    queryset = (
        leads_visible_to(user)
        .select_related(
            "status",
            "source",
            "branch",
            "created_by",
            "updated_by",
            "failure_reason",
            "deletion_reason",
            "archived_by",
        )
        .prefetch_related("clients__caretaker", "employees", "investments", "contractors")
    )
    return get_object_or_404(queryset, pk=pk)


def lead_status_counts(*, user: User) -> list[LeadStatus]:
    """Active statuses that hold open leads (won ones do not), in order, each with
    `lead_count` of the user's open, visible leads. One GROUP BY over the open leads'
    statuses (a count per status filtered by "the lead is among the visible open ones"
    took PostgreSQL minutes at a million leads), then the few statuses."""
    counts = dict(
        leads_visible_to(user)
        .open()
        .order_by()
        .values("status_id")
        .annotate(n=Count("pk"))
        .values_list("status_id", "n")
    )
    statuses = list(LeadStatus.objects.filter(active=True, is_won=False).order_by("order", "id"))
    for status in statuses:
        status.lead_count = counts.get(status.pk, 0)
    return statuses


def active_statuses() -> QuerySet[LeadStatus]:
    return LeadStatus.objects.filter(active=True)


def active_failure_reasons() -> QuerySet[FailureReason]:
    return FailureReason.objects.filter(active=True)


def capped_count(leads: QuerySet[Lead], *, cap: int) -> int:
    """How many leads match, counting at most cap + 1 of them: a list shows "10 000+"
    instead of paying for an exact count over a million rows."""
    return leads.order_by()[: cap + 1].count()
