"""Who gets a new inquiry: the assignment rules, and the last resort when none applies.

Round robin takes its turn with one atomic `UPDATE … SET turn = turn + 1 RETURNING turn`
in its own short transaction, before the lead is written: concurrent inquiries each get
a different turn (PostgreSQL serialises the row update), and the rule's row is not held
locked for the rest of each intake. A turn taken by an intake that then fails is simply
skipped; no advisor gets two leads in a row because of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Q

from clients.models import LeadSource
from crm.core.models import Role, User
from investments.models import Investment
from leads.models import AssignmentRule, AssignmentStrategy, BoardEntry
from settings_app.selectors import crm_settings


def assignee_for_inquiry(*, source: LeadSource, investments: Iterable[Investment] = ()) -> User:
    """The advisor a new inquiry goes to: the first matching rule's pick, else the
    settings' last-resort assignee, else the longest-serving active manager or
    administrator. Never None while anyone active can log in."""
    investment_ids = {investment.pk for investment in investments}
    for rule in _active_rules():
        if not _rule_matches(rule, source_id=source.pk, investment_ids=investment_ids):
            continue
        members = _active(rule.pool.all()) or _active(rule.fallback_pool.all())
        if members:
            return _pick(rule, members)
    return last_resort_assignee()


def last_resort_assignee() -> User:
    fallback = crm_settings().intake_fallback_assignee
    if fallback is not None and fallback.is_active:
        return fallback
    senior = (
        User.objects.filter(is_active=True)
        .filter(Q(role__in=[Role.MANAGER, Role.ADMINISTRATOR]) | Q(is_superuser=True))
        .order_by("date_joined", "id")
        .first()
    )
    if senior is None:
        raise RuntimeError("No active manager or administrator can receive inquiries.")
    return senior


def _active_rules() -> list[AssignmentRule]:
    return list(
        AssignmentRule.objects.filter(active=True)
        .order_by("priority", "id")
        .prefetch_related("sources", "investments", "pool", "fallback_pool")
    )


def _rule_matches(rule: AssignmentRule, *, source_id: int, investment_ids: set[int]) -> bool:
    source_ids = {source.pk for source in rule.sources.all()}
    rule_investment_ids = {investment.pk for investment in rule.investments.all()}
    if source_ids and source_id not in source_ids:
        return False
    if rule_investment_ids and not (rule_investment_ids & investment_ids):
        return False
    return True


def _active(users: Iterable[User]) -> list[User]:
    return sorted((user for user in users if user.is_active), key=lambda user: user.pk)


def _pick(rule: AssignmentRule, members: list[User]) -> User:
    if rule.strategy == AssignmentStrategy.FEWEST_OPEN:
        return _fewest_open(members)
    return members[(take_turn(rule) - 1) % len(members)]


def take_turn(rule: AssignmentRule) -> int:
    """The rule's next round-robin turn (1, 2, 3, …), taken atomically. Outside a
    transaction it commits at once, so the intake calls it before opening its own."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE leads_assignmentrule SET turn = turn + 1 WHERE id = %s RETURNING turn",
                [rule.pk],
            )
            return cursor.fetchone()[0]


def _fewest_open(members: list[User]) -> User:
    """The member with the fewest open leads (not failed, not deleted, not won); the
    longest-known member among equals. Read from the board entries' index."""
    counts = dict(
        BoardEntry.objects.filter(
            employee__in=members, failed=False, deleted=False, status__is_won=False
        )
        .values_list("employee_id")
        .annotate(open=Count("id"))
    )
    return min(members, key=lambda user: (counts.get(user.pk, 0), user.pk))
