"""Response times in minutes, from the moments recorded as lead events."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead, LeadEvent, LeadEventKind

from .aggregates import (
    FIRST_CONTACT_KINDS,
    Minutes,
    Percentile,
    first_contact_at,
    percentiles_supported,
)


def response_measures() -> list[tuple[str, object, str, str]]:
    """The measured spans: key, label, start and end (names of the per-lead moments)."""
    return [
        ("client", _("Lead created → client created"), "created", "client"),
        ("phone", _("Client created → first call"), "client", "phone"),
        ("email", _("Client created → first email"), "client", "email"),
        ("meeting", _("Client created → first meeting"), "client", "meeting"),
        ("first", _("Lead created → first conversation"), "created", "first"),
    ]


def response_times(leads: QuerySet[Lead]) -> list[dict]:
    """Per measure: how many leads have both moments, the median and the 90th percentile
    of the minutes between them (None when there are none, or off PostgreSQL). One query:
    the moments are pivoted per lead (GROUP BY lead) and the percentiles taken over that."""
    moments = (
        LeadEvent.objects.filter(lead__in=leads.not_deleted().order_by().values("pk"))
        .order_by()
        .values("lead_id")
        .annotate(
            created=Min("lead__created_at"),
            client=Min("at", filter=Q(kind=LeadEventKind.CLIENT_CREATED)),
            phone=Min("at", filter=Q(kind=LeadEventKind.FIRST_PHONE)),
            email=Min("at", filter=Q(kind=LeadEventKind.FIRST_EMAIL)),
            meeting=Min("at", filter=Q(kind=LeadEventKind.FIRST_MEETING)),
            first=Min("at", filter=Q(kind__in=FIRST_CONTACT_KINDS)),
        )
    )
    aggregates = {}
    for key, _label, start, end in response_measures():
        both = Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
        aggregates[f"{key}_count"] = Count("lead_id", filter=both)
        if percentiles_supported():
            span = Minutes(F(end), F(start))
            aggregates[f"{key}_median"] = Percentile(span, 0.5, filter=both)
            aggregates[f"{key}_p90"] = Percentile(span, 0.9, filter=both)
    values = moments.aggregate(**aggregates)
    return [
        {
            "key": key,
            "label": label,
            "count": values[f"{key}_count"],
            "median": _minutes(values.get(f"{key}_median")),
            "p90": _minutes(values.get(f"{key}_p90")),
        }
        for key, label, _start, _end in response_measures()
    ]


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def leads_over_sla(leads: QuerySet[Lead], *, minutes: int) -> QuerySet[Lead]:
    """Leads (not deleted) whose first conversation came more than `minutes` after their
    creation, or that still have none that long after; oldest breach first. Each row has
    `first_contact_at` (None while waiting)."""
    limit = timedelta(minutes=minutes)
    return (
        leads.not_deleted()
        .annotate(first_contact_at=first_contact_at())
        .filter(
            Q(first_contact_at__gt=F("created_at") + limit)
            | Q(first_contact_at__isnull=True, created_at__lt=timezone.now() - limit)
        )
        .select_related("status", "source")
        .only("pk", "name", "created_at", "status__name", "source__name")
        .order_by("-created_at", "-pk")
    )
