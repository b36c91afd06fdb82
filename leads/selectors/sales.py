"""Reads of preliminary reservations and contracts, and of the units a lead may take.

The lead-level reads take a lead the caller already got through `leads_visible_to`; the
single-row reads take the user and do the scoping themselves (404 for what is not
visible)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from clients.models import Client
from crm.core.models import User
from investments.models import Unit, UnitStatus

from ..models import Contract, Lead, Offer, OfferStatus, Reservation, ReservationStatus
from .leads import leads_visible_to


def lead_reservations(*, lead: Lead) -> QuerySet[Reservation]:
    """The lead's reservations, newest first, with what the table shows, in one query."""
    return Reservation.objects.filter(lead=lead).select_related(
        "unit__investment", "client", "created_by"
    )


def lead_contracts(*, lead: Lead) -> QuerySet[Contract]:
    """The lead's contracts, latest signed first, with their units and clients (three
    queries whatever their number)."""
    return (
        Contract.objects.filter(lead=lead)
        .select_related("created_by", "cancelled_by")
        .prefetch_related(
            Prefetch("units", queryset=Unit.objects.select_related("investment")),
            Prefetch("clients", queryset=Client.objects.order_by("last_name", "first_name")),
        )
    )


def lead_units(*, lead: Lead) -> QuerySet[Unit]:
    """Every unit of the lead's investments, whatever its state."""
    return (
        Unit.objects.filter(investment__in=lead.investments.values("pk"))
        .select_related("investment")
        .order_by("investment__name", "number")
    )


def reservable_units(*, lead: Lead) -> QuerySet[Unit]:
    """The units of the lead's investments nobody holds: what a reservation may take."""
    return lead_units(lead=lead).filter(status=UnitStatus.AVAILABLE, hold__isnull=True)


def contractable_units(*, lead: Lead) -> QuerySet[Unit]:
    """The units a contract of the lead may take: free ones, and the ones its own active
    reservations hold."""
    own = Q(
        hold__reservation__lead=lead,
        hold__reservation__status=ReservationStatus.ACTIVE,
    )
    return lead_units(lead=lead).filter(Q(status=UnitStatus.AVAILABLE, hold__isnull=True) | own)


def unit_picker_units(*, lead: Lead) -> QuerySet[Unit]:
    """Every unit of the lead's investments with who holds it (reservation and its
    advisor, or contract) in one query: the picker shows the taken ones too, greyed out
    with the reason, so that an advisor sees why a unit cannot be chosen."""
    return lead_units(lead=lead).select_related("hold__reservation__created_by", "hold__contract")


def lead_offer_to_follow(*, lead: Lead, accepted_only: bool = False) -> Offer | None:
    """The offer a reservation or contract follows: the latest accepted one, else (unless
    `accepted_only`) the latest one not rejected; with its items' units."""
    offers = Offer.objects.filter(lead=lead).exclude(status=OfferStatus.REJECTED)
    if accepted_only:
        offers = offers.filter(status=OfferStatus.ACCEPTED)
    accepted_first = Case(
        When(status=OfferStatus.ACCEPTED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return offers.order_by(accepted_first, "-created_at", "-id").prefetch_related("items").first()


def contract_defaults(*, lead: Lead) -> dict:
    """What the contract form starts with: the units the lead has reserved and the free
    ones of its accepted offer (what the client agreed to buy) and, when that offer
    prices every one of them, the sum of its prices."""
    offer = lead_offer_to_follow(lead=lead, accepted_only=True)
    offered = {item.unit_id: item.price for item in offer.items.all()} if offer else {}
    reserved = Q(
        hold__reservation__lead=lead,
        hold__reservation__status=ReservationStatus.ACTIVE,
    )
    units = contractable_units(lead=lead).filter(reserved | Q(pk__in=offered))
    unit_ids = list(units.values_list("pk", flat=True))
    price: Decimal | None = None
    if unit_ids and all(pk in offered for pk in unit_ids):
        price = sum((offered[pk] for pk in unit_ids), Decimal(0))
    return {"units": unit_ids, "price": price}


def reservation_defaults(*, lead: Lead) -> dict:
    """What the reservation form starts with: the first free unit of the offer the lead
    follows (accepted, else the latest) and that offer's client when it is on the lead,
    else the lead's first client by name."""
    clients = lead.clients.order_by("last_name", "first_name")
    offer = lead_offer_to_follow(lead=lead)
    unit_id = client = None
    if offer is not None:
        offered = [item.unit_id for item in offer.items.all()]
        free = set(reservable_units(lead=lead).filter(pk__in=offered).values_list("pk", flat=True))
        unit_id = next((pk for pk in offered if pk in free), None)
        if offer.client_id is not None:
            client = clients.filter(pk=offer.client_id).first()
    return {"unit": unit_id, "client": client or clients.first()}


def reservation_get_for_user(*, user: User, lead_pk: int, pk: int) -> Reservation:
    """One reservation of a lead the user may see, with its lead; 404 otherwise."""
    return get_object_or_404(
        Reservation.objects.filter(lead__in=leads_visible_to(user)).select_related(
            "lead__status", "unit__investment"
        ),
        lead_id=lead_pk,
        pk=pk,
    )


def contract_get_for_user(*, user: User, lead_pk: int, pk: int) -> Contract:
    """One contract of a lead the user may see, with its lead; 404 otherwise."""
    return get_object_or_404(
        Contract.objects.filter(lead__in=leads_visible_to(user)).select_related("lead__status"),
        lead_id=lead_pk,
        pk=pk,
    )
