"""SQL pieces the reports share: percentiles and minutes between two moments."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    Aggregate,
    DateTimeField,
    FloatField,
    Func,
    IntegerField,
    QuerySet,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm.core.dates import day_start
from leads.models import LeadStatus


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile: PERCENTILE_CONT(f) WITHIN GROUP (ORDER BY x)."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class Percentiles(Aggregate):
    """Several continuous percentiles of one expression from one sort (PostgreSQL):
    PERCENTILE_CONT(ARRAY[f1, f2…]) WITHIN GROUP (ORDER BY x), a list of floats (None
    for an empty group)."""

    function = "PERCENTILE_CONT"
    name = "Percentiles"
    template = "%(function)s(ARRAY[%(fractions)s]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())

    def __init__(self, expression, fractions: tuple[float, ...], **extra):
        joined = ", ".join(f"{float(fraction)!r}::float8" for fraction in fractions)
        super().__init__(expression, fractions=joined, **extra)


class Minutes(Func):
    """Minutes from `start` to `end` (both datetimes), as a float (PostgreSQL)."""

    # date_part gives a float; EXTRACT a numeric, whose arithmetic and sorting made the
    # percentiles over a million leads twice as slow.
    template = "date_part('epoch', %(expressions)s) / 60.0"
    arg_joiner = " - "
    output_field = FloatField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)


def percentiles_in_sql() -> bool:
    """PostgreSQL computes medians and percentiles in the aggregation (PERCENTILE_CONT);
    other databases (the SQLite demo) have no such function: there they are computed here
    from the values (`percentile_cont`), as PostgreSQL would."""
    return connection.vendor == "postgresql"


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's PERCENTILE_CONT(fraction) of `values`: the value at position
    fraction × (n − 1) of the sorted values, interpolated linearly between its two
    neighbours; None without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def minutes_between(start: datetime, end: datetime) -> float:
    """Minutes from `start` to `end`, as `Minutes` gives them in SQL."""
    return (end - start).total_seconds() / 60.0


def won_statuses() -> QuerySet[LeadStatus]:
    """The won statuses' ids, as a subquery PostgreSQL hashes once: "won" without joining
    the statuses to a million leads."""
    return LeadStatus.objects.filter(is_won=True).values("pk")


def name_rows(rows: list[dict], *, id_key: str, name_key: str, model) -> list[dict]:
    """Give each aggregated row the name of its `id_key` object (one query for the few
    ids), instead of joining the names to every lead counted and grouping by them."""
    objects = model.objects.in_bulk({row[id_key] for row in rows if row[id_key] is not None})
    for row in rows:
        obj = objects.get(row[id_key])
        row[name_key] = str(obj) if obj is not None else ""
    return rows


class MonthIndex(Func):
    """Which of `months` (their first days, in order) a datetime falls in, local time: 1
    for the first, 0 before it (PostgreSQL's width_bucket over the months' starts: a
    binary search per lead instead of converting each one's time to local time)."""

    function = "width_bucket"
    output_field = IntegerField()

    def __init__(self, expression, months: list[date]):
        starts = [day_start(month) for month in months]
        super().__init__(expression, Value(starts, output_field=ArrayField(DateTimeField())))


def by_month(leads: QuerySet, months: list[date] | None) -> tuple[QuerySet, Callable]:
    """The leads annotated with `month`, the month of their creation, and the function
    that turns a grouped row's `month` into that month's first day (None outside
    `months`). With the report's months, on PostgreSQL: their index (`MonthIndex`);
    otherwise the creation time truncated to its month."""
    if months and connection.vendor == "postgresql":
        months = list(months)

        def month_of(index: int) -> date | None:
            return months[index - 1] if 0 < index <= len(months) else None

        return leads.annotate(month=MonthIndex("created_at", months)), month_of
    return leads.annotate(month=TruncMonth("created_at")), _local_month


def _local_month(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)
