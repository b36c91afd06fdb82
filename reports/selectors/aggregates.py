"""SQL pieces the reports share: percentiles and minutes between two moments."""

from __future__ import annotations

from django.db import connection
from django.db.models import Aggregate, FloatField, Func, Min, OuterRef, Subquery

from leads.models import LeadEvent, LeadEventKind

# The kinds of the first conversation of each channel (phone, email, meeting, SMS, other).
FIRST_CONTACT_KINDS = [
    LeadEventKind.FIRST_PHONE,
    LeadEventKind.FIRST_EMAIL,
    LeadEventKind.FIRST_MEETING,
    LeadEventKind.FIRST_SMS,
    LeadEventKind.FIRST_OTHER,
]


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile: PERCENTILE_CONT(f) WITHIN GROUP (ORDER BY x)."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class Minutes(Func):
    """Minutes from `start` to `end` (both datetimes), as a float (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s)) / 60.0"
    arg_joiner = " - "
    output_field = FloatField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)


def percentiles_supported() -> bool:
    """Medians are computed by PostgreSQL; the SQLite demo shows none."""
    return connection.vendor == "postgresql"


def first_contact_at(lead_ref: str = "pk") -> Subquery:
    """The time of a lead's first conversation of any kind (its first_* events)."""
    return Subquery(
        LeadEvent.objects.filter(lead=OuterRef(lead_ref), kind__in=FIRST_CONTACT_KINDS)
        .order_by()
        .values("lead")
        .annotate(first=Min("at"))
        .values("first")
    )
