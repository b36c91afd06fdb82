"""Preliminary reservations and contracts: holding a unit for a lead, selling it, and
letting it go again.

Who holds a unit is one `UnitHold` row per unit (its primary key), so PostgreSQL refuses
a second holder however the requests race. The services lock the unit rows first, in id
order, then read and write the reservations, contracts and holds: every writer takes the
locks in the same order, so none waits for another in a circle, and the loser of a race
reads the winner's hold and is told who holds the unit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clients.models import Client
from crm.core.models import User
from investments.models import Unit, UnitStatus
from leads.models import (
    Contract,
    Lead,
    LeadStatus,
    Reservation,
    ReservationStatus,
    UnitHold,
)
from notifications.models import NotificationKind
from notifications.services import notification_queue
from settings_app.selectors import crm_settings

from .figures import lead_figures_sales
from .pipeline import (
    lead_advance_by_event,
    lead_archived_refusal,
    lead_closed_refusal,
    lead_move_by_event,
)

# The pipeline stage a lead reaches with its first preliminary reservation.
RESERVATION_STATUS_SLUG = "rezerwacja-wstepna"
HistoricalLead = Lead.history.model


# -- Preliminary reservations --------------------------------------------------------------


@transaction.atomic
def reservation_create(
    *,
    lead: Lead,
    unit: Unit,
    user: User,
    client: Client | None = None,
    reserved_until: date | None = None,
    fee: Decimal | None = None,
) -> Reservation:
    """Reserve `unit` for the lead's client until a date (by default today plus the
    settings' reservation days): the unit becomes reserved, held by this reservation.

    Refused for a closed lead, a unit outside the lead's investments, a client not on the
    lead, a past end date or one past the settings' longest reservation, a negative fee,
    and a unit someone already holds or that is sold (the message says by whom and until
    when). The lead reaches the "preliminary reservation" stage when manual status
    changes are off (otherwise the view offers it).
    """
    if refusal := lead_closed_refusal(lead=lead):
        raise ValidationError(refusal)
    today, days = timezone.localdate(), crm_settings()
    if reserved_until is None:
        reserved_until = today + timedelta(days=days.reservation_days)
    latest = today + timedelta(days=days.reservation_max_days)
    errors = {}
    if reserved_until < today:
        errors["reserved_until"] = _("The reservation cannot end in the past.")
    elif reserved_until > latest:
        errors["reserved_until"] = _(
            "A preliminary reservation lasts at most %(days)d days: choose %(latest)s or "
            "an earlier day."
        ) % {
            "days": days.reservation_max_days,
            "latest": formats.date_format(latest, "SHORT_DATE_FORMAT"),
        }
    if fee is not None and fee < 0:
        errors["fee"] = _("The fee cannot be negative.")
    if client is not None and not lead.clients.filter(pk=client.pk).exists():
        errors["client"] = _("This client is not on the lead.")
    if not lead.investments.filter(pk=unit.investment_id).exists():
        errors["unit"] = _("This unit is not in any of the lead's investments.")
    if errors:
        raise ValidationError(errors)

    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    refusal = _holder_refusal(unit)
    if refusal:
        raise ValidationError({"unit": refusal})
    reservation = Reservation(
        lead=lead,
        unit=unit,
        client=client,
        reserved_until=reserved_until,
        fee=fee,
        created_by=user,
    )
    # The unit's own rule (one active reservation) is answered by the hold below, with
    # the holder's name; the other fields and constraints are checked here.
    reservation.full_clean(exclude=["unit"])
    reservation._history_user = user
    try:
        with transaction.atomic():  # a savepoint: the race lost at the database
            reservation.save()
            UnitHold.objects.create(unit=unit, reservation=reservation)
    except IntegrityError:
        raise ValidationError(
            {"unit": _holder_refusal(unit) or _("This unit is already held.")}
        ) from None
    _unit_set_status(unit, UnitStatus.RESERVED, user=user)
    lead_figures_sales(lead_id=lead.pk, reservation=True)
    lead_advance_by_event(lead=lead, slug=RESERVATION_STATUS_SLUG, user=user)
    return reservation


@transaction.atomic
def reservation_cancel(*, reservation: Reservation, user: User) -> Reservation:
    """Cancel an active reservation: its hold goes, the unit is available again."""
    reservation = _reservation_lock(reservation.pk)
    if not reservation.is_active:
        raise ValidationError(_("This reservation is no longer active."))
    _reservation_end(reservation, status=ReservationStatus.CANCELLED, user=user)
    return reservation


def lead_reservations_release(*, lead: Lead, user: User) -> int:
    """Cancel the lead's active reservations (it failed: its units go back on sale);
    return how many. The caller holds the transaction."""
    released = 0
    active = lead.reservations.filter(status=ReservationStatus.ACTIVE)
    for pk in active.values_list("pk", flat=True):
        reservation = _reservation_lock(pk)
        if reservation.is_active:
            _reservation_end(reservation, status=ReservationStatus.CANCELLED, user=user)
            released += 1
    return released


def reservations_expire_due(*, today: date | None = None) -> int:
    """End every active reservation whose last day is before `today`: expired, its hold
    gone, the unit available again (in the unit's history), and its advisor (who made
    it, else the lead's employees) owed one email about it. Returns how many expired.

    One transaction per reservation, each taken under its locks and checked again, so a
    second run, or two at once, expires and emails nothing twice."""
    today = today or timezone.localdate()
    due = Reservation.objects.filter(status=ReservationStatus.ACTIVE, reserved_until__lt=today)
    expired = 0
    for pk, unit_id in due.values_list("pk", "unit_id"):
        with transaction.atomic():
            Unit.objects.select_for_update().filter(pk=unit_id).first()
            reservation = (
                due.select_for_update(of=("self",))
                .select_related("lead", "created_by")
                .filter(pk=pk)
                .first()
            )
            if reservation is None:  # cancelled, converted or expired meanwhile
                continue
            _reservation_end(reservation, status=ReservationStatus.EXPIRED, user=None)
            advisor = reservation.created_by
            recipients = (
                [advisor]
                if advisor is not None and advisor.is_active
                else list(reservation.lead.employees.filter(is_active=True))
            )
            for recipient in recipients:
                notification_queue(
                    kind=NotificationKind.RESERVATION_EXPIRED,
                    lead=reservation.lead,
                    recipient=recipient,
                    about=str(reservation.pk),
                )
            expired += 1
    return expired


def _reservation_lock(pk: int) -> Reservation:
    """The reservation, locked after its unit (the order every writer locks in)."""
    unit_id = Reservation.objects.values_list("unit_id", flat=True).get(pk=pk)
    Unit.objects.select_for_update().filter(pk=unit_id).first()
    return Reservation.objects.select_for_update().select_related("unit").get(pk=pk)


def _reservation_end(reservation: Reservation, *, status: str, user: User | None) -> None:
    """End a locked, active reservation: its hold goes and its unit is available again."""
    reservation.status = status
    reservation.ended_at = timezone.now()
    reservation._history_user = user
    reservation.full_clean(exclude=["unit"])
    reservation.save()
    UnitHold.objects.filter(reservation=reservation).delete()
    unit = Unit.objects.get(pk=reservation.unit_id)  # locked by the caller
    if unit.status == UnitStatus.RESERVED:
        _unit_set_status(unit, UnitStatus.AVAILABLE, user=user)


# -- Contracts -----------------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *,
    lead: Lead,
    kind: str,
    units: Iterable[Unit],
    user: User,
    clients: Iterable[Client] = (),
    signed_at: date | None = None,
    price: Decimal | None = None,
    number: str = "",
) -> Contract:
    """Record a signed contract for units of the lead's investments: they become sold, and
    the lead is won (whatever the manual status setting says).

    A unit must be available, or held by an active reservation of this same lead, which
    is then turned into the contract (its hold passes to the contract). Refused for a lead
    without a client, a unit held by anyone else or sold, a client not on the lead, a
    price of zero or less, and a signing date in the future. This is the only way a lead
    is won (`lead_change_status` refuses won statuses)."""
    if refusal := lead_closed_refusal(lead=lead, won_closes=False):
        raise ValidationError(refusal)
    unit_ids = sorted({unit.pk for unit in units})
    clients = list(clients)
    errors = {}
    if not unit_ids:
        errors["units"] = _("Choose at least one unit.")
    elif Unit.objects.filter(pk__in=unit_ids).exclude(investment__leads=lead).exists():
        errors["units"] = _("Every unit must be in one of the lead's investments.")
    lead_client_ids = set(lead.clients.values_list("pk", flat=True))
    if not lead_client_ids:
        errors["clients"] = _(
            "A contract is signed by the lead's client: link the inquiry to a client or "
            "add one first."
        )
    elif any(client.pk not in lead_client_ids for client in clients):
        errors["clients"] = _("Every client must be on the lead.")
    if price is None or price <= 0:
        errors["price"] = _("The price must be greater than zero.")
    if signed_at is None:
        errors["signed_at"] = _("Give the date the contract was signed.")
    elif signed_at > timezone.localdate():
        errors["signed_at"] = _("The signing date cannot be in the future.")
    if errors:
        raise ValidationError(errors)

    locked = list(Unit.objects.select_for_update().filter(pk__in=unit_ids).order_by("pk"))
    holds = _holds_of(unit_ids)
    refusals = []
    own = []  # this lead's active reservations, turned into the contract
    for unit in locked:
        hold = holds.get(unit.pk)
        if (
            hold is not None
            and hold.reservation is not None
            and hold.reservation.lead_id == lead.pk
        ):
            own.append(hold.reservation)
        elif hold is not None or unit.status != UnitStatus.AVAILABLE:
            refusals.append(f"{unit}: {_hold_message(hold, unit)}")
    if refusals:
        raise ValidationError({"units": refusals})

    contract = Contract(
        lead=lead,
        kind=kind,
        number=number.strip(),
        signed_at=signed_at,
        price=price,
        created_by=user,
    )
    contract.full_clean()
    contract._history_user = user
    contract.save()
    contract.units.set(locked)
    contract.clients.set(clients)
    now = timezone.now()
    for reservation in own:
        reservation.status = ReservationStatus.CONVERTED
        reservation.ended_at = now
        reservation._history_user = user
        reservation.save()
    UnitHold.objects.filter(reservation__in=own).update(reservation=None, contract=contract)
    converted = {reservation.unit_id for reservation in own}
    try:
        with transaction.atomic():
            UnitHold.objects.bulk_create(
                UnitHold(unit=unit, contract=contract)
                for unit in locked
                if unit.pk not in converted
            )
    except IntegrityError:
        raise ValidationError({"units": _("One of the units has just been taken.")}) from None
    for unit in locked:
        _unit_set_status(unit, UnitStatus.SOLD, user=user)
    _lead_win(lead, user=user)
    return contract


@transaction.atomic
def contract_cancel(*, contract: Contract, reason: str, user: User) -> Contract:
    """Cancel a contract (needs `leads.cancel_contract`): its units are available again and
    a lead won by no other contract goes back to its latest stage before it was won."""
    if not user.has_perm("leads.cancel_contract"):
        raise PermissionDenied(_("You may not cancel contracts."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancellation_reason": _("Say why the contract is cancelled.")})
    unit_ids = list(contract.units.order_by("pk").values_list("pk", flat=True))
    units = list(Unit.objects.select_for_update().filter(pk__in=unit_ids).order_by("pk"))
    contract = (
        Contract.objects.select_for_update().select_related("lead__status").get(pk=contract.pk)
    )
    if contract.is_cancelled:
        raise ValidationError(_("This contract is already cancelled."))
    # Cancelling reopens the lead: an archived one is unarchived first.
    if refusal := lead_archived_refusal(contract.lead):
        raise ValidationError(refusal)
    contract.cancelled_at = timezone.now()
    contract.cancelled_by = user
    contract.cancellation_reason = reason
    contract._history_user = user
    contract.full_clean()
    contract.save()
    freed = set(UnitHold.objects.filter(contract=contract).values_list("unit_id", flat=True))
    UnitHold.objects.filter(contract=contract).delete()
    for unit in units:
        if unit.pk in freed and unit.status == UnitStatus.SOLD:
            _unit_set_status(unit, UnitStatus.AVAILABLE, user=user)
    _lead_unwin(contract.lead, user=user)
    return contract


def _lead_win(lead: Lead, *, user: User) -> None:
    won = LeadStatus.objects.filter(is_won=True, active=True).order_by("order", "id").first()
    if won is None:
        raise ValidationError(_("No won status is configured."))
    if not lead.status.is_won:
        lead_move_by_event(lead=lead, status=won, user=user)


def _lead_unwin(lead: Lead, *, user: User) -> None:
    """A won lead without another valid contract goes back to its latest status before
    it was won (from its history), else to the first active status; it is open again."""
    if not lead.status.is_won or lead.contracts.filter(cancelled_at__isnull=True).exists():
        return
    earlier = LeadStatus.objects.filter(active=True, is_won=False)
    status_id = (
        HistoricalLead.objects.filter(id=lead.pk, status_id__in=earlier.values("pk"))
        .order_by("-history_date", "-history_id")
        .values_list("status_id", flat=True)
        .first()
    )
    status = earlier.filter(pk=status_id).first() or earlier.order_by("order", "id").first()
    if status is None:
        raise ValidationError(_("No active lead status is configured."))
    lead_move_by_event(lead=lead, status=status, user=user)


def _holds_of(unit_ids: list[int]) -> dict[int, UnitHold]:
    holds = UnitHold.objects.select_related("reservation__created_by", "contract").filter(
        unit_id__in=unit_ids
    )
    return {hold.unit_id: hold for hold in holds}


def _holder_refusal(unit: Unit) -> str:
    """Why `unit` cannot be reserved, or "" when it can."""
    hold = _holds_of([unit.pk]).get(unit.pk)
    if hold is None:
        active = (
            Reservation.objects.filter(unit=unit, status=ReservationStatus.ACTIVE)
            .select_related("created_by")
            .first()
        )
        if active is not None:
            return _reserved_message(active)
        if unit.status == UnitStatus.AVAILABLE:
            return ""
    return _hold_message(hold, unit)


def _hold_message(hold: UnitHold | None, unit: Unit) -> str:
    if hold is not None and hold.reservation is not None:
        return _reserved_message(hold.reservation)
    if hold is not None and hold.contract is not None:
        return _("Already sold (contract %(contract)s).") % {
            "contract": hold.contract.number or hold.contract.pk
        }
    if unit.status == UnitStatus.SOLD:
        return _("Already sold.")
    return _("This unit is not available.")


def _reserved_message(reservation: Reservation) -> str:
    advisor = reservation.created_by
    return _("Already reserved by %(advisor)s until %(date)s.") % {
        "advisor": advisor.get_full_name() or advisor.username if advisor else "—",
        "date": formats.date_format(reservation.reserved_until, "SHORT_DATE_FORMAT"),
    }


def _unit_set_status(unit: Unit, status: str, *, user: User | None) -> None:
    """Change the unit's status, recorded in its history as made by `user`."""
    unit.status = status
    unit._history_user = user
    unit.save(update_fields=["status"])
