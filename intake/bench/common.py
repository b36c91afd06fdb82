"""What both phases of `bench_channels` share: the run's id, the data sizes, the bench's
source and assignment rule, Celery pointed at a Redis queue nobody consumes, and the
deletion of what a run made."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.core.management.base import CommandError
from django.db import connection, transaction

from clients.models import Client, LeadSource
from crm.core.models import Role, User
from leads.models import AssignmentRule, AssignmentStrategy, IntakeReceipt, Lead

from ..models import Outcome, PortalParser, RawMessage

SOURCE_NAME = "Bench channels"
SOURCE_SLUG = "bench-channels"
RULE_NAME = "Bench channels: round robin"
# Accounts are named after the run's prefix: reused by the next run, never anybody's.
ACCOUNT_PREFIX = "Bench channels:"


def new_run_id() -> str:
    """Short, sortable and unique enough for one machine; its last six characters are
    digits (the people's phone numbers are made from them)."""
    return f"ch{datetime.now():%m%d%H%M%S}"


def ensure_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise CommandError(
            "bench_channels runs on PostgreSQL (the issue's targets are PostgreSQL's); this "
            f"database is {connection.vendor}. Set DATABASE_URL, e.g. "
            "postgres://postgres@127.0.0.1:5432/lejek_bench_channels."
        )


def data_sizes() -> dict[str, int]:
    return {
        "leads": Lead.objects.count(),
        "clients": Client.objects.count(),
        "raw log entries": RawMessage.objects.count(),
    }


def bench_source() -> LeadSource:
    source, _created = LeadSource.objects.get_or_create(
        slug=SOURCE_SLUG, defaults={"name": SOURCE_NAME, "order": 999}
    )
    if not source.active:
        source.active = True
        source.save(update_fields=["active"])
    return source


def portal_sources() -> list[LeadSource]:
    """The sources the portal parsers give their leads."""
    parsers = PortalParser.objects.filter(active=True, source__isnull=False)
    return list(LeadSource.objects.filter(pk__in=parsers.values("source_id")))


def bench_rule(sources: Iterable[LeadSource]) -> AssignmentRule:
    """The benchmark's inquiries (its source and the portals') go round robin to the
    advisors of the first branch, so that assignment is part of every lead."""
    rule, _created = AssignmentRule.objects.get_or_create(
        name=RULE_NAME, defaults={"strategy": AssignmentStrategy.ROUND_ROBIN, "priority": 1}
    )
    rule.sources.set(list(sources))
    branch_id = (
        User.objects.filter(role=Role.ADVISOR, is_active=True, branch__isnull=False)
        .order_by("branch_id")
        .values_list("branch_id", flat=True)
        .first()
    )
    if branch_id is None:
        raise CommandError("No active advisor: run manage.py generate_bench_data first.")
    rule.pool.set(User.objects.filter(role=Role.ADVISOR, is_active=True, branch_id=branch_id))
    return rule


@contextmanager
def celery_without_worker(redis_url: str) -> Iterator[None]:
    """Tasks this process sends (a lead's notification, a webhook entry's processing) go
    to Redis, where nobody takes them, instead of running in-process: as in production,
    the poll and the webhook pay for queueing them, not for doing them. Restored after."""
    import redis

    from crm.celery import app

    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.RedisError as error:
        raise CommandError(f"Redis at {redis_url} does not answer: {error}") from error
    finally:
        client.close()
    keys = ("task_always_eager", "broker_url", "result_backend")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=redis_url, result_backend=redis_url)
    _forget_connections(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_connections(app)


def _forget_connections(app) -> None:
    # Celery keeps what the broker settings gave on first use (the producer pool, the
    # queues, the result backend): dropped so that they are made again from the conf.
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._local.__dict__.pop("backend", None)


def tasks_waiting(redis_url: str, task: str) -> int:
    """How many of this task's messages wait in the default queue of the bench's Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        messages = client.lrange("celery", 0, -1)
    finally:
        client.close()
    return sum(json.loads(message).get("headers", {}).get("task") == task for message in messages)


def redis_flush(redis_url: str) -> None:
    """Empty the bench's Redis database: the tasks nobody will run, the server's cache."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def run_delete() -> tuple[int, int]:
    """What runs made: the leads of the bench accounts' entries (with what hangs on them,
    their history and intake receipts) and the entries. The accounts, the listings, the
    source and the rule stay for the next run. Returns (leads, entries) deleted."""
    entries = RawMessage.objects.filter(account__name__startswith=ACCOUNT_PREFIX)
    lead_ids = sorted(
        set(
            entries.filter(outcome=Outcome.CREATED, lead__isnull=False).values_list(
                "lead_id", flat=True
            )
        )
    )
    with transaction.atomic():
        deleted_entries, _by_model = entries.delete()
        IntakeReceipt.objects.filter(lead_id__in=lead_ids).delete()
        leads = Lead.objects.filter(pk__in=lead_ids)
        deleted_leads = leads.count()
        leads.delete()
        # Including the "deleted" records the deletion itself has just written.
        Lead.history.filter(id__in=lead_ids).delete()
    return deleted_leads, deleted_entries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan
