"""Reads of preliminary reservations and contracts, and of the units a lead may take.

The lead-level reads take a lead the caller already got through `leads_visible_to`; the
single-row reads take the user and do the scoping themselves (404 for what is not
visible)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from clients.models import Client
from crm.core.models import User
from investments.models import Unit, UnitStatus

from ..models import Contract, Lead, Reservation, ReservationStatus
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
