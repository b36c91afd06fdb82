"""The kanban board's reads: one column per active status in pipeline order (and, on
request, a last column of failed leads), each with the count of its leads and its newest
cards.

The caller passes the leads to show — the user's filtered leads from
`leads.filters.lead_filterset_for(request).qs`, already scoped to what the user may see — so
the board and the list always mean the same leads. The number of queries does not depend on
the number of leads: one for the statuses, one capped count per column (it reads at most
COUNT_CAP + 1 index entries, so a column of 400 000 leads says "1000+" in a millisecond
instead of counting for a second), one LIMITed query per column (an index scan on
(status, created_at) that stops after N rows, which stays fast on a million leads where a
ROW_NUMBER() window would number all of them) and one prefetch each for the cards'
clients, employees and investments. An advisor's unfiltered board reads their board
entries instead (`leads.models.BoardEntry`): one grouped count for all columns and a
LIMITed index scan per column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Count,
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone

from clients.models import Client
from crm.core.models import User
from investments.models import Investment
from leads.models import Activity, BoardEntry, Lead, LeadStatus
from leads.person import named_by_default
from settings_app.selectors import crm_settings

# Twelve cards fill a column at 1280 px; "more" brings the next twelve.
CARDS_PER_PAGE = 12
# Columns holding more leads than this show "1000+"; the reports give exact numbers.
COUNT_CAP = 1000
# The key of the failed leads' column in URLs and in the page; no status has the id 0.
FAILED_COLUMN = 0
# Plain lists on each card (`lead.card_clients`...), so a card reads them without a
# related manager per access; only the columns a card shows (a name, not the client's file).
CARD_PREFETCH = (
    Prefetch(
        "clients",
        queryset=Client.objects.only(
            "first_name", "last_name", "kind", "company_name", "email", "phone"
        ),
        to_attr="card_clients",
    ),
    Prefetch(
        "employees",
        queryset=User.objects.only("first_name", "last_name", "username"),
        to_attr="card_employees",
    ),
    Prefetch("investments", queryset=Investment.objects.only("name"), to_attr="card_investments"),
)
CARD_FIELDS = (
    "name", "status", "failure_reason", "failed_at", "closed_at", "created_at", "is_repeat",
    "intake_outcome", "contact_first_name", "contact_last_name", "contact_phone", "contact_email",
)  # fmt: skip


@dataclass
class KanbanColumn:
    """One column: a status (None for the failed leads), its lead count and newest cards."""

    key: int
    status: LeadStatus | None
    count: int
    cards: list[Lead] = field(default_factory=list)

    @property
    def is_failed(self) -> bool:
        return self.status is None

    @property
    def is_capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def has_more(self) -> bool:
        return self.count > len(self.cards)

    @property
    def next_offset(self) -> int:
        return len(self.cards)


@dataclass
class KanbanBoard:
    columns: list[KanbanColumn]
    # Where a card may be moved by hand: the active statuses in pipeline order, but the
    # won ones (a contract wins a lead; a drop on their column is refused with the reason).
    statuses: list[LeadStatus]


def board_statuses() -> list[LeadStatus]:
    """The active statuses in pipeline order: the board's columns and move targets."""
    return list(LeadStatus.objects.filter(active=True).order_by("order", "id"))


def _on_board(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    # Deleted inquiries never appear on the board, whatever the filters asked for.
    return leads.not_deleted()


def _column_leads(leads: QuerySet[Lead], key: int) -> QuerySet[Lead]:
    leads = _on_board(leads)
    if key == FAILED_COLUMN:
        return leads.filter(failed_at__isnull=False)
    return leads.filter(status_id=key, failed_at__isnull=True)


def _column_entries(employee: User, key: int) -> QuerySet[BoardEntry]:
    entries = BoardEntry.objects.filter(employee=employee, deleted=False, archived=False)
    if key == FAILED_COLUMN:
        return entries.filter(failed=True)
    return entries.filter(status_id=key, failed=False)


def column_count(leads: QuerySet[Lead], *, key: int) -> int:
    """How many of the leads sit in the column, counted up to COUNT_CAP + 1."""
    return _column_leads(leads, key).order_by()[: COUNT_CAP + 1].count()


def _employee_column_counts(employee: User) -> dict[int, int]:
    """Every column's count of one employee's leads in one query. Counting the leads would
    visit each of them, scattered over the whole table; their board entries, some tens of
    thousands at most, are counted from one index in a few milliseconds."""
    counts: dict[int, int] = {}
    rows = (
        BoardEntry.objects.filter(employee=employee, deleted=False, archived=False)
        .values_list("status_id", "failed")
        .annotate(n=Count("*"))  # COUNT(*): read from the index alone
        .order_by()
    )
    for status_id, failed, n in rows:
        key = FAILED_COLUMN if failed else status_id
        counts[key] = counts.get(key, 0) + n
    return counts


def column_cards(
    leads: QuerySet[Lead],
    *,
    key: int,
    offset: int = 0,
    limit: int,
    employee: User | None = None,
) -> list[Lead]:
    """The column's cards newest first, `limit` of them from `offset`, without what
    `_draw_ready` adds. `employee` says the leads are exactly that employee's (an advisor's
    unfiltered board): the cards are then found through their board entries."""
    if employee is not None:
        newest = _column_entries(employee, key).order_by("-created_at", "-lead_id")
        # The entries are the employee's leads, so they stand in for `leads` entirely.
        leads = Lead.objects.filter(pk__in=newest.values("lead_id")[offset : offset + limit])
        offset = 0
    return list(
        _column_leads(leads, key)
        .select_related("status", "failure_reason")
        .only(*CARD_FIELDS)
        .annotate(name_is_default=named_by_default())
        .order_by("-created_at", "-pk")[offset : offset + limit]
    )


def _draw_ready(cards: list[Lead]) -> None:
    """Give every card what it shows, for all of them at once: clients, employees and
    investments (one prefetch each), `has_next_step` and `next_step_overdue` (one query
    for all cards)."""
    prefetch_related_objects(cards, *CARD_PREFETCH)
    next_steps: dict[int, datetime] = {}
    for lead_id, planned_at in Activity.objects.filter(
        lead_id__in=[card.pk for card in cards], done_at__isnull=True
    ).values_list("lead_id", "planned_at"):
        if lead_id not in next_steps or planned_at < next_steps[lead_id]:
            next_steps[lead_id] = planned_at
    now = timezone.now()
    for card in cards:
        card.has_next_step = card.pk in next_steps
        card.next_step_overdue = card.has_next_step and next_steps[card.pk] < now


def kanban_board(
    *, leads: QuerySet[Lead], show_failed: bool = False, employee: User | None = None
) -> KanbanBoard:
    """The board for these leads: a column per active status with its count and newest
    CARDS_PER_PAGE cards, plus the failed leads' column last when asked for. `employee`,
    when the leads are all one employee's, lets the columns read that employee's board
    entries."""
    statuses = board_statuses()
    columns = [KanbanColumn(key=s.pk, status=s, count=0) for s in statuses]
    if show_failed:
        columns.append(KanbanColumn(key=FAILED_COLUMN, status=None, count=0))
    employee_counts = _employee_column_counts(employee) if employee is not None else None
    for column in columns:
        if employee_counts is None:
            column.count = column_count(leads, key=column.key)
        else:  # capped like column_count, so every board shows "1000+" alike
            column.count = min(employee_counts.get(column.key, 0), COUNT_CAP + 1)
        column.cards = column_cards(leads, key=column.key, limit=CARDS_PER_PAGE, employee=employee)
    _draw_ready([card for c in columns for card in c.cards])
    return KanbanBoard(columns=columns, statuses=[s for s in statuses if not s.is_won])


def kanban_column_page(
    *, leads: QuerySet[Lead], key: int, offset: int, employee: User | None = None
) -> tuple[list[Lead], bool]:
    """The next CARDS_PER_PAGE cards of one column from `offset` ("more"), and whether
    still more follow."""
    cards = column_cards(leads, key=key, offset=offset, limit=CARDS_PER_PAGE + 1, employee=employee)
    has_more = len(cards) > CARDS_PER_PAGE
    cards = cards[:CARDS_PER_PAGE]
    _draw_ready(cards)
    return cards, has_more


def kanban_card(lead: Lead) -> Lead:
    """One lead ready to be drawn as a card again (after a move)."""
    if not hasattr(lead, "name_is_default"):
        lead.name_is_default = lead.name == crm_settings().default_lead_name
    _draw_ready([lead])
    return lead
