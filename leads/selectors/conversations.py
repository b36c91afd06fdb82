"""Reads of conversations: a lead's Conversations tab, one employee's "My day" (overdue,
today's and tomorrow's conversations, and their open leads with no next step) and the
daily digest's lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.core.dates import day_start
from crm.core.models import User
from leads.person import named_by_default

from ..models import Activity, BoardEntry, IntakeOutcome, Lead
from .leads import leads_visible_to

TAB_PAGE_SIZE = 20
MY_DAY_PAGE_SIZE = 20
# Each list of conversations shows this many (the soonest first), then says there are more.
SHOWN = 30
# A lead still being worked, as seen from its conversations (an archived lead is closed,
# and stays out of My day even if it were not).
OPEN_LEAD = Q(
    lead__failed_at__isnull=True, lead__status__is_won=False, lead__archived_at__isnull=True
) & ~Q(lead__intake_outcome=IntakeOutcome.DELETED)


def lead_conversations_page(*, lead: Lead, page_number: str | int | None) -> Page:
    """The lead's conversations for its tab, 20 a page: the planned ones first (soonest
    first), then the done ones (latest first); two queries whatever their number."""
    activities = (
        Activity.objects.filter(lead=lead)
        .select_related("employee", "client", "created_by")
        .order_by(F("done_at").desc(nulls_first=True), "planned_at", "-id")
    )
    return Paginator(activities, TAB_PAGE_SIZE).get_page(page_number)


def conversation_get_for_user(*, user: User, lead_pk: int, pk: int) -> Activity:
    """One conversation of a lead the user may see, with its lead; 404 otherwise."""
    return get_object_or_404(
        Activity.objects.select_related("lead__status").filter(
            lead__in=leads_visible_to(user).values("pk")
        ),
        lead_id=lead_pk,
        pk=pk,
    )


def planned_for(*, user: User) -> QuerySet[Activity]:
    """The user's conversations still planned on their open leads they may see (from the
    index on employee and time), with what a row shows."""
    return (
        Activity.objects.filter(employee=user, done_at__isnull=True)
        .filter(OPEN_LEAD, lead__in=leads_visible_to(user).values("pk"))
        .select_related("lead", "client")
        .defer("lead__raw_payload", "lead__message", "lead__failure_comment")
        .annotate(lead_name_is_default=named_by_default("lead__"))
        .order_by("planned_at", "id")
    )


def with_people(activities: list[Activity]) -> list[Activity]:
    """Ready the rows to name their person: the leads' clients in one query for all of
    them, and whether each lead bears the default name (annotated by `planned_for`)."""
    leads = [activity.lead for activity in activities]
    prefetch_related_objects(leads, "clients")
    for activity in activities:
        if hasattr(activity, "lead_name_is_default"):
            activity.lead.name_is_default = activity.lead_name_is_default
    return activities


def leads_without_next_step_ids(*, user: User) -> QuerySet:
    """The ids of the user's open leads with no conversation planned, newest first: read
    from the user's board entries (one index) against the next-step index."""
    planned = Activity.objects.filter(lead=OuterRef("lead_id"), done_at__isnull=True)
    return (
        BoardEntry.objects.filter(employee=user, failed=False, deleted=False, archived=False)
        .exclude(status__is_won=True)
        .exclude(Exists(planned))
        .order_by("-created_at", "-lead_id")
        .values_list("lead_id", flat=True)
    )


def leads_by_ids(ids: list[int]) -> list[Lead]:
    """The leads of `ids` in that order, with their status and clients (two queries)."""
    leads = (
        Lead.objects.filter(pk__in=ids)
        .select_related("status")
        .prefetch_related("clients")
        .annotate(name_is_default=named_by_default())
    )
    by_pk = {lead.pk: lead for lead in leads.defer("raw_payload", "message")}
    return [by_pk[pk] for pk in ids if pk in by_pk]


@dataclass
class Shown:
    """The first SHOWN rows of a list, and whether there are more."""

    items: list
    more: bool

    @classmethod
    def of(cls, queryset: QuerySet) -> Shown:
        rows = list(queryset[: SHOWN + 1])
        return cls(items=rows[:SHOWN], more=len(rows) > SHOWN)


@dataclass
class MyDay:
    today: date
    overdue: Shown
    today_planned: Shown
    tomorrow_planned: Shown
    without_next_step: Page
    without_next_step_leads: list[Lead] = field(default_factory=list)


def my_day(*, user: User, page_number: str | int | None = None) -> MyDay:
    """The user's day: overdue conversations (the oldest first), today's and tomorrow's (at
    most SHOWN of each), and their open leads with no next step (a page of 20). A fixed
    number of queries, each on an index, whatever the number of the user's leads."""
    now = timezone.now()
    today = timezone.localdate(now)
    tomorrow = day_start(today + timedelta(days=1))
    day_after = day_start(today + timedelta(days=2))
    planned = planned_for(user=user)
    page = Paginator(leads_without_next_step_ids(user=user), MY_DAY_PAGE_SIZE).get_page(page_number)
    day = MyDay(
        today=today,
        overdue=Shown.of(planned.filter(planned_at__lt=now)),
        today_planned=Shown.of(planned.filter(planned_at__gte=now, planned_at__lt=tomorrow)),
        tomorrow_planned=Shown.of(
            planned.filter(planned_at__gte=tomorrow, planned_at__lt=day_after)
        ),
        without_next_step=page,
        without_next_step_leads=leads_by_ids(list(page.object_list)),
    )
    with_people(day.overdue.items + day.today_planned.items + day.tomorrow_planned.items)
    return day


@dataclass
class Digest:
    overdue: list[Activity]
    overdue_count: int
    without_next_step: list[Lead]
    without_next_step_count: int


DIGEST_SHOWN = 30


def digest_for(*, user: User) -> Digest:
    """What the user's daily digest lists: their overdue conversations and their open
    leads with no next step, at most DIGEST_SHOWN of each, with the totals."""
    overdue = planned_for(user=user).filter(planned_at__lt=timezone.now())
    no_next = leads_without_next_step_ids(user=user)
    return Digest(
        overdue=list(overdue[:DIGEST_SHOWN]),
        overdue_count=overdue.count(),
        without_next_step=leads_by_ids(list(no_next[:DIGEST_SHOWN])),
        without_next_step_count=no_next.count(),
    )


def digest_recipient_ids(*, now: datetime) -> set[int]:
    """The users who have overdue conversations or open leads with no next step."""
    overdue = (
        Activity.objects.filter(done_at__isnull=True, planned_at__lt=now)
        .filter(OPEN_LEAD)
        .values_list("employee_id", flat=True)
        .distinct()
    )
    no_next = (
        BoardEntry.objects.filter(failed=False, deleted=False)
        .exclude(status__is_won=True)
        .exclude(Exists(Activity.objects.filter(lead=OuterRef("lead_id"), done_at__isnull=True)))
        .values_list("employee_id", flat=True)
        .distinct()
    )
    return set(overdue) | set(no_next)
