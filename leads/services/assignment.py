"""Who gets a new inquiry: the assignment rules, and the last resort when none applies.

Round robin takes its turn with one atomic `UPDATE … SET turn = turn + 1 RETURNING turn`
that commits by itself, before the lead's transaction opens: concurrent inquiries each get
a different turn (PostgreSQL serialises the row update), and the rule's row is not held
locked for the rest of each intake. A turn taken by an intake that then fails is simply
skipped; no advisor gets two leads in a row because of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Count

from clients.models import LeadSource
from crm.core.models import User
from investments.models import Investment
from leads.intake_config import IntakeConfig, RoutingRule
from leads.models import AssignmentStrategy, BoardEntry


class NoAssignee(Exception):
    """Nobody active can receive an inquiry: no rule's advisor, no last-resort assignee,
    no manager or administrator. The inquiry is refused rather than stored with nobody."""


def assignee_for_inquiry(
    *, config: IntakeConfig, source: LeadSource, investments: Iterable[Investment] = ()
) -> User:
    """The advisor a new inquiry goes to: the first matching rule's pick, else the
    settings' last-resort assignee, else the longest-serving active manager or
    administrator (see `leads.intake_config`). Never None while anyone active can log in."""
    rule = matching_rule(config=config, source=source, investments=investments)
    return _pick(rule) if rule is not None else last_resort(config)


def matching_rule(
    *, config: IntakeConfig, source: LeadSource, investments: Iterable[Investment] = ()
) -> RoutingRule | None:
    """The first rule with members that matches the inquiry's source and investments."""
    investment_ids = {investment.pk for investment in investments}
    return next(
        (
            rule
            for rule in config.rules
            if rule.members and rule.matches(source_id=source.pk, investment_ids=investment_ids)
        ),
        None,
    )


def last_resort(config: IntakeConfig) -> User:
    """Who gets an inquiry no rule takes; NoAssignee when nobody can."""
    if config.last_resort is None:
        raise NoAssignee("No active advisor, manager or administrator can receive inquiries.")
    return config.last_resort


def _pick(rule: RoutingRule) -> User:
    if rule.strategy == AssignmentStrategy.FEWEST_OPEN:
        return _fewest_open(rule.members)
    return rule.members[(take_turn(rule.pk) - 1) % len(rule.members)]


def take_turn(rule_id: int, count: int = 1) -> int:
    """The rule's next round-robin turn (1, 2, 3, …), or the last of `count` turns taken
    at once (an import's chunk), taken atomically by one statement. Outside a transaction
    (as the intake calls it) that statement commits by itself, in one round trip, and the
    rule's row is locked only while it runs."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_assignmentrule SET turn = turn + %s WHERE id = %s RETURNING turn",
            [count, rule_id],
        )
        row = cursor.fetchone()
    return row[0] if row is not None else count  # the rule was deleted a moment ago


def _fewest_open(members: Iterable[User]) -> User:
    """The member with the fewest open leads (not failed, not deleted, not won); the
    longest-known member among equals. Read from the board entries' index."""
    counts = open_lead_counts(members)
    return min(members, key=lambda user: (counts.get(user.pk, 0), user.pk))


def open_lead_counts(members: Iterable[User]) -> dict[int, int]:
    """Per member (id), the open leads (not failed, not deleted, not won) they are on;
    members without any are missing. Read from the board entries' index."""
    return dict(
        BoardEntry.objects.filter(
            employee__in=members, failed=False, deleted=False, status__is_won=False
        )
        .values_list("employee_id")
        .annotate(open=Count("id"))
    )
