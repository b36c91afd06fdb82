"""What every inquiry reads and hardly anything changes — the sources by token, the
investments by name, the assignment rules with their advisors, the first status and the
CRM settings — kept in each process as one snapshot between changes.

Why: read from the database for each inquiry, these were seven queries whose building
alone took more of an intake's time than writing the lead. Every change to one of them
(Django admin, a service, a user deactivated or moved to another branch) drops this
process's snapshot at once and, when its transaction commits, bumps a generation number
in the shared cache (Redis in production). Inquiries read that number at most once a
second and reload the snapshot when it differs: a change counts at once in the process
that made it and within a second in every other. A snapshot older than MAX_AGE_SECONDS
is reloaded anyway, in case a change bypassed the signals (a queryset .update()).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from clients.models import LeadSource
from clients.services import hash_intake_token
from consents.models import Clause, Controller
from crm.core.cache import CACHE_UNAVAILABLE
from crm.core.models import Role, User
from investments.models import Investment
from leads.models import AssignmentRule, LeadStatus
from leads.services.common import first_active_status
from settings_app.models import CRMSettings
from settings_app.selectors import crm_settings

logger = logging.getLogger(__name__)

GENERATION_KEY = "lejek:intake-config:generation"
# Another process's change is seen within this time: the shared number is read at most
# once a second, not for every inquiry (a cache round trip each).
GENERATION_CHECK_SECONDS = 1.0
MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class RoutingRule:
    """An active assignment rule as the intake applies it."""

    pk: int
    strategy: str
    source_ids: frozenset[int]
    investment_ids: frozenset[int]
    # The pool's active advisors, else the fallback pool's, by id; empty: the rule is
    # passed over.
    members: tuple[User, ...]
    # The fallback pool's active advisors (a manager's import restricts both pools to the
    # manager's branch: leads/imports/batch.py).
    fallback_members: tuple[User, ...] = ()

    def matches(self, *, source_id: int, investment_ids: Iterable[int]) -> bool:
        """An empty condition matches anything; an investment condition matches an
        inquiry naming one of its investments."""
        if self.source_ids and source_id not in self.source_ids:
            return False
        return not self.investment_ids or bool(self.investment_ids.intersection(investment_ids))


@dataclass(frozen=True)
class IntakeConfig:
    generation: int
    loaded_at: float
    settings: CRMSettings
    first_status: LeadStatus | None
    sources_by_token_hash: Mapping[str, LeadSource]
    investments_by_name: Mapping[str, Investment]
    rules: tuple[RoutingRule, ...]
    # The settings' last-resort assignee when active, else the longest-serving active
    # manager or administrator.
    last_resort: User | None
    # The consent register: the default controller, and the clauses each controller
    # offers now (controller id → kind → clause), for the basis and consents an inquiry
    # records (leads/services/inquiry_consents.py).
    default_controller: Controller | None = None
    clauses_offered: Mapping[int, Mapping[str, Clause]] = field(default_factory=dict)

    def source_for_token(self, token: str) -> LeadSource | None:
        return self.sources_by_token_hash.get(hash_intake_token(token))

    def investments_named(self, text: str) -> list[Investment]:
        """The investment an inquiry names, by code or by name (any case); none if unknown."""
        investment = self.investments_by_name.get(text.strip().lower())
        return [investment] if investment is not None else []

    def inquiry_controller(self, investments: Iterable[Investment]) -> Controller | None:
        """Whom an inquiry's consents are given to: the chosen investment's controller
        (its special-purpose company) when it has one offering clauses, else the default
        controller (the public form decides the same: leads/services/inquiry_consents.py)."""
        for investment in investments:
            if investment.controller_id in self.clauses_offered:
                return investment.controller
        return self.default_controller

    def clauses_of(self, controller: Controller | None) -> Mapping[str, Clause]:
        """The clauses a controller offers now, by kind."""
        return self.clauses_offered.get(controller.pk, {}) if controller is not None else {}


_snapshot: IntakeConfig | None = None
_generation_checked_at = 0.0


def intake_config() -> IntakeConfig:
    """The current snapshot, reloaded when something changed since it was read."""
    global _snapshot, _generation_checked_at
    now = time.monotonic()
    snapshot = _snapshot
    if snapshot is not None and now - _generation_checked_at < GENERATION_CHECK_SECONDS:
        return snapshot
    generation = _shared_generation(snapshot)
    _generation_checked_at = now
    if (
        snapshot is None
        or snapshot.generation != generation
        or now - snapshot.loaded_at > MAX_AGE_SECONDS
    ):
        snapshot = _snapshot = _load(generation)
    return snapshot


def _shared_generation(snapshot: IntakeConfig | None) -> int:
    """The generation number in the shared cache. While the cache is unreachable there is
    no news of another process's change: the snapshot's own number (it stays in use until
    MAX_AGE_SECONDS) — an inquiry is still received."""
    try:
        return cache.get(GENERATION_KEY, 0)
    except CACHE_UNAVAILABLE:
        logger.warning("Intake configuration: the cache is unreachable.", exc_info=True)
        return snapshot.generation if snapshot is not None else 0


def _load(generation: int) -> IntakeConfig:
    settings = crm_settings()
    sources = LeadSource.objects.exclude(intake_token_hash="")
    all_investments = list(Investment.objects.select_related("controller").order_by("-id"))
    # Names first, then codes over them: a code wins over another investment's name.
    investments = {i.name.strip().lower(): i for i in all_investments}
    investments.update({i.code.strip().lower(): i for i in all_investments if i.code})
    return IntakeConfig(
        generation=generation,
        loaded_at=time.monotonic(),
        settings=settings,
        first_status=first_active_status(),
        sources_by_token_hash={source.intake_token_hash: source for source in sources},
        investments_by_name=investments,
        rules=tuple(_routing_rules()),
        last_resort=_last_resort(settings),
        default_controller=settings.default_controller,
        clauses_offered=_clauses_offered(),
    )


def _clauses_offered() -> dict[int, dict[str, Clause]]:
    offered: dict[int, dict[str, Clause]] = {}
    for clause in Clause.objects.filter(active=True, is_legacy=False).select_related("controller"):
        offered.setdefault(clause.controller_id, {})[clause.kind] = clause
    return offered


def _routing_rules() -> Iterable[RoutingRule]:
    rules = (
        AssignmentRule.objects.filter(active=True)
        .order_by("priority", "id")
        .prefetch_related("sources", "investments", "pool", "fallback_pool")
    )
    for rule in rules:
        fallback = _active(rule.fallback_pool.all())
        members = _active(rule.pool.all()) or fallback
        yield RoutingRule(
            pk=rule.pk,
            strategy=rule.strategy,
            source_ids=frozenset(source.pk for source in rule.sources.all()),
            investment_ids=frozenset(investment.pk for investment in rule.investments.all()),
            members=members,
            fallback_members=fallback,
        )


def _active(users: Iterable[User]) -> tuple[User, ...]:
    return tuple(sorted((user for user in users if user.is_active), key=lambda user: user.pk))


def _last_resort(settings: CRMSettings) -> User | None:
    fallback = settings.intake_fallback_assignee
    if fallback is not None and fallback.is_active:
        return fallback
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role__in=[Role.MANAGER, Role.ADMINISTRATOR]) | Q(is_superuser=True))
        .order_by("date_joined", "id")
        .first()
    )


# -- changes -----------------------------------------------------------------------------------


def intake_config_changed() -> None:
    """Forget this process's snapshot now, and every process's once the change commits."""
    intake_config_forget()
    transaction.on_commit(_bump_generation, robust=True)


def _bump_generation() -> None:
    cache.add(GENERATION_KEY, 0, timeout=None)
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # evicted between add() and incr()
        cache.set(GENERATION_KEY, 1, timeout=None)


def intake_config_forget() -> None:
    """Drop this process's snapshot: the next inquiry reads the database."""
    global _snapshot
    _snapshot = None


def _on_change(sender, **kwargs) -> None:
    update_fields = kwargs.get("update_fields")
    if sender is User and update_fields and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing the intake reads
    intake_config_changed()


def connect_signals() -> None:
    """Called once from the app's ready(): what the snapshot is made of."""
    watched = (LeadSource, Investment, AssignmentRule, LeadStatus, CRMSettings, User, Clause)
    for model in (*watched, Controller):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"intake-config-{model}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"intake-config-del-{model}")
    for relation in ("sources", "investments", "pool", "fallback_pool"):
        through = getattr(AssignmentRule, relation).through
        m2m_changed.connect(_on_change, sender=through, dispatch_uid=f"intake-config-{relation}")
