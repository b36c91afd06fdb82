"""Reads for offers: the units a lead's offer may choose from, the offers of the lead's
tab and one offer for its printable page.

Scoping: every read takes a lead the caller already got through
`leads.detail_selectors.lead_get_light_for_user` (404 for a lead the user may not see),
and reads only that lead's rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.shortcuts import get_object_or_404

from clients.models import Client
from investments.models import Unit, UnitStatus
from leads.models import Lead, Offer, OfferItem

# The availability filter of the unit picker: which unit statuses each choice shows.
AVAILABILITY_STATUSES = {
    "available": [UnitStatus.AVAILABLE],
    "reserved": [UnitStatus.RESERVED],
    "all": [UnitStatus.AVAILABLE, UnitStatus.RESERVED, UnitStatus.SOLD],
}


def offer_units_for_lead(
    *,
    lead: Lead,
    availability: str = "available",
    rooms: int | None = None,
    area_min: Decimal | None = None,
    area_max: Decimal | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    exclude_ids: list[int] | tuple[int, ...] = (),
) -> QuerySet[Unit]:
    """The units of the lead's investments narrowed by availability, rooms, area and
    list price (bounds inclusive; None is no filter), with their investment, in the
    order an offer lists them."""
    units = Unit.objects.filter(
        investment__leads=lead,
        status__in=AVAILABILITY_STATUSES.get(availability, AVAILABILITY_STATUSES["available"]),
    ).select_related("investment")
    if rooms is not None:
        units = units.filter(rooms=rooms)
    if area_min is not None:
        units = units.filter(area__gte=area_min)
    if area_max is not None:
        units = units.filter(area__lte=area_max)
    if price_min is not None:
        units = units.filter(list_price__gte=price_min)
    if price_max is not None:
        units = units.filter(list_price__lte=price_max)
    if exclude_ids:
        units = units.exclude(pk__in=exclude_ids)
    return units.order_by("investment__name", "number", "pk")


def units_by_ids(*, ids: list[int]) -> list[Unit]:
    """Units chosen for an offer (by id, in the given order), with their investment, in
    one query. Ids of units that do not exist are left out."""
    found = Unit.objects.select_related("investment").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def lead_offer_clients(*, lead: Lead) -> QuerySet[Client]:
    """The clients an offer on the lead may be addressed to: the lead's own."""
    return Client.objects.filter(leads=lead).order_by("last_name", "first_name", "pk")


def _with_items(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    items = OfferItem.objects.select_related("unit__investment").order_by("id")
    return (
        offers.select_related("client", "created_by")
        .annotate(total=Sum("items__price"), list_total=Sum("items__list_price"))
        .prefetch_related(Prefetch("items", queryset=items))
    )


def lead_offers(*, lead: Lead) -> QuerySet[Offer]:
    """The lead's offers, newest first, with their client, author, totals and units
    (investment included): two queries whatever their number."""
    return _with_items(Offer.objects.filter(lead=lead)).order_by("-created_at", "-id")


def offer_get_for_lead(*, lead: Lead, pk: int) -> Offer:
    """One offer of this lead (for an action on it); 404 for an offer of another lead
    (even one the user may see) or one that does not exist."""
    return get_object_or_404(Offer.objects.filter(lead=lead), pk=pk)


def offer_get_printable(*, lead: Lead, pk: int) -> Offer:
    """One offer of this lead with what its printable page shows (client, advisor, the
    lead's branch, units and totals); 404 as `offer_get_for_lead`."""
    offers = _with_items(Offer.objects.filter(lead=lead)).select_related("lead__branch")
    return get_object_or_404(offers, pk=pk)
