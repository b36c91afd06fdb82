"""Medians and percentiles off PostgreSQL (the SQLite demo): computed in Python exactly as
PostgreSQL's PERCENTILE_CONT computes them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from reports.selectors.aggregates import minutes_between, percentile_cont

pytestmark = pytest.mark.django_db


def postgresql_percentile(values: list[float], fraction: float) -> float | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY x) FROM unnest(%s::float8[]) x",
            [fraction, values],
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("size", [1, 2, 3, 10, 101])
@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_percentile_is_postgresqls_percentile_cont(size, fraction):
    rng = random.Random(size)
    # Minutes as the reports measure them, with repeated values among them.
    values = [round(rng.uniform(0, 5000), 1) for _ in range(size)] + [42.0] * (size // 3)
    rng.shuffle(values)
    assert percentile_cont(values, fraction) == pytest.approx(
        postgresql_percentile(values, fraction), abs=1e-9
    )


def test_percentile_interpolates_between_the_neighbouring_values():
    assert percentile_cont([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile_cont([10.0, 20.0, 30.0], 0.9) == pytest.approx(28.0)
    assert percentile_cont([7.0], 0.9) == 7.0


def test_percentile_of_no_values_is_none():
    assert percentile_cont([], 0.5) is None
    assert postgresql_percentile([], 0.5) is None


def test_minutes_between_two_moments_may_be_fractional_or_negative():
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert minutes_between(start, start + timedelta(minutes=90, seconds=30)) == 90.5
    assert minutes_between(start, start - timedelta(minutes=5)) == -5.0
