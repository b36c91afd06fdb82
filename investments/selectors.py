"""Reads of the unit catalogue. Investments and units are visible to every employee."""

from __future__ import annotations

from decimal import Decimal

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
    """One investment; 404 when there is none."""
    return get_object_or_404(Investment, pk=pk)


def investment_units(
    *,
    investment: Investment,
    kind: str = "",
    rooms_min: int | None = None,
    rooms_max: int | None = None,
    status: str = "",
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
) -> QuerySet[Unit]:
    """The units of an investment, narrowed by kind, number of rooms, status and list
    price range (each bound inclusive; an empty filter is no filter)."""
    units = investment.units.all()
    if kind:
        units = units.filter(kind=kind)
    if rooms_min is not None:
        units = units.filter(rooms__gte=rooms_min)
    if rooms_max is not None:
        units = units.filter(rooms__lte=rooms_max)
    if status:
        units = units.filter(status=status)
    if price_min is not None:
        units = units.filter(list_price__gte=price_min)
    if price_max is not None:
        units = units.filter(list_price__lte=price_max)
    return units.order_by("number")


def unit_counts_by_status(*, investment: Investment) -> dict[str, int]:
    """How many units of an investment are available, reserved and sold (every status
    present, zero included), in one query."""
    counts = dict.fromkeys(UnitStatus.values, 0)
    rows = investment.units.order_by().values_list("status").annotate(count=Count("pk"))
    counts.update({status: count for status, count in rows})
    return counts
