"""Reads of the unit catalogue. Investments and units are visible to every employee."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Investment, Unit, UnitStatus


def investment_list() -> QuerySet[Investment]:
    """Investments with their unit counts by status, in one query."""
    return Investment.objects.annotate(
        unit_count=Count("units"),
        available_count=Count("units", filter=Q(units__status=UnitStatus.AVAILABLE)),
        reserved_count=Count("units", filter=Q(units__status=UnitStatus.RESERVED)),
        sold_count=Count("units", filter=Q(units__status=UnitStatus.SOLD)),
    ).order_by("name")


def investment_get(*, pk: int) -> Investment:
    return get_object_or_404(Investment, pk=pk)


def investment_units(*, investment: Investment) -> QuerySet[Unit]:
    return investment.units.order_by("number")
