"""Response times in minutes, from the moments stored on each lead (its report figures)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead
from leads.person import named_by_default

from .aggregates import (
    Minutes,
    Percentiles,
    minutes_between,
    percentile_cont,
    percentiles_in_sql,
)


def response_measures() -> list[tuple[str, object, str, str]]:
    """The measured spans: key, label, start and end (the lead's columns)."""
    return [
        ("client", _("Lead created → client created"), "created_at", "client_created_at"),
        ("phone", _("Client created → first call"), "client_created_at", "first_phone_at"),
        ("email", _("Client created → first email"), "client_created_at", "first_email_at"),
        ("meeting", _("Client created → first meeting"), "client_created_at", "first_meeting_at"),
        ("first", _("Lead created → first conversation"), "created_at", "first_contact_at"),
    ]


def response_times(leads: QuerySet[Lead]) -> list[dict]:
    """Per measure: how many leads (not deleted) have both moments, the median and the
    90th percentile of the minutes between them (None when there are none). One
    aggregation over the leads' stored moments; off PostgreSQL one query reads the
    moments, and they are counted and their percentiles computed here."""
    if percentiles_in_sql():
        aggregates = {}
        for key, _label, start, end in response_measures():
            both = Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
            aggregates[f"{key}_count"] = Count("pk", filter=both)
            # The median and the 90th percentile from one sort of the minutes.
            span = Minutes(F(end), F(start))
            aggregates[f"{key}_percentiles"] = Percentiles(span, (0.5, 0.9), filter=both)
        values = leads.not_deleted().order_by().aggregate(**aggregates)
    else:
        values = _figures_from_moments(leads)
    rows = []
    for key, label, _start, _end in response_measures():
        median, p90 = values.get(f"{key}_percentiles") or (None, None)
        rows.append(
            {
                "key": key,
                "label": label,
                "count": values[f"{key}_count"],
                "median": _minutes(median),
                "p90": _minutes(p90),
            }
        )
    return rows


def _figures_from_moments(leads: QuerySet[Lead]) -> dict[str, int | tuple]:
    """Each measure's count, median and 90th percentile computed here from the leads'
    moments (databases without PERCENTILE_CONT), as `response_times` names them."""
    measures = response_measures()
    columns = sorted({column for _k, _l, start, end in measures for column in (start, end)})
    ends = Q()
    for column in {end for _k, _l, _start, end in measures}:
        ends |= Q(**{f"{column}__isnull": False})
    spans: dict[str, list[float]] = {key: [] for key, *_rest in measures}
    for row in leads.not_deleted().filter(ends).order_by().values(*columns):
        for key, _label, start, end in measures:
            if row[start] is not None and row[end] is not None:
                spans[key].append(minutes_between(row[start], row[end]))
    figures: dict[str, int | tuple] = {}
    for key, values in spans.items():
        figures[f"{key}_count"] = len(values)
        figures[f"{key}_percentiles"] = (percentile_cont(values, 0.5), percentile_cont(values, 0.9))
    return figures


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def leads_over_sla(leads: QuerySet[Lead], *, minutes: int) -> QuerySet[Lead]:
    """Leads (not deleted) whose first conversation came more than `minutes` after their
    creation, or that still have none that long after; oldest breach first. Each row has
    `first_contact_at` (None while waiting)."""
    limit = timedelta(minutes=minutes)
    return (
        leads.not_deleted()
        .filter(
            Q(first_contact_at__gt=F("created_at") + limit)
            | Q(first_contact_at__isnull=True, created_at__lt=timezone.now() - limit)
        )
        .select_related("status", "source")
        .only(
            "pk",
            "name",
            "created_at",
            "first_contact_at",
            "status__name",
            "source__name",
            "contact_first_name",
            "contact_last_name",
            "contact_phone",
            "contact_email",
        )  # fmt: skip
        # The client first (issue 19): the page's clients in one query, the default name told
        # by the lead's own query.
        .prefetch_related("clients")
        .annotate(name_is_default=named_by_default())
        .order_by("-created_at", "-pk")
    )
