"""Offers: creating one for units of the lead's investments, sending it, the client's
answer, and the status move the first offer brings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from crm.core.models import User
from investments.models import Unit, UnitStatus
from leads.models import Lead, Offer, OfferChannel, OfferItem, OfferStatus

from .figures import lead_figures_sales
from .pipeline import lead_advance_by_event, lead_closed_refusal

# The status the first offer moves a lead to (when the lead is in an earlier one).
OFFER_STATUS_SLUG = "oferta"

# Which status an offer may go to from which: draft → sent → accepted / rejected.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    OfferStatus.DRAFT: {OfferStatus.SENT},
    OfferStatus.SENT: {OfferStatus.ACCEPTED, OfferStatus.REJECTED},
    OfferStatus.ACCEPTED: set(),
    OfferStatus.REJECTED: set(),
}


def price_field(unit: Unit | int) -> str:
    """The name under which a unit's offered price is given (and its error reported)."""
    return f"price_{unit if isinstance(unit, int) else unit.pk}"


@transaction.atomic
def offer_create(
    *,
    lead: Lead,
    client: Client | None,
    items: Sequence[tuple[Unit, Decimal | None]],
    valid_until: date | None,
    channel: str,
    notes: str,
    user: User,
) -> Offer:
    """Offer units of the lead's investments, each at its price, in one transaction.

    Each item keeps the unit's list price of the moment. Refused (field errors: `units`,
    `price_<unit id>`, `valid_until`, `client`, `channel`): no unit, a unit twice, a unit
    of an investment not on the lead, a sold unit, a missing, zero or negative price, a
    validity date in the past, a client not on the lead; and any offer on a closed
    (failed, won or deleted) lead.

    The lead's first offer moves it, when it is in a status before "Oferta", to "Oferta":
    at once when manual status changes are off; when they are on, the returned offer's
    `suggested_status` names that status for the user to accept or dismiss (else None).
    """
    refusal = lead_closed_refusal(lead=lead)
    if refusal:
        raise ValidationError(refusal)
    errors: dict[str, list[str]] = {}
    if not items:
        errors.setdefault("units", []).append(_("Choose at least one unit."))
    unit_ids = [unit.pk for unit, _price in items]
    if len(set(unit_ids)) != len(unit_ids):
        errors.setdefault("units", []).append(_("Each unit can be offered only once."))
    # Fresh and locked: a unit sold a moment ago cannot slip into the offer.
    units = (
        Unit.objects.select_for_update(of=("self",)).select_related("investment").in_bulk(unit_ids)
    )
    investment_ids = set(lead.investments.values_list("pk", flat=True))
    for unit, price in items:
        current = units.get(unit.pk)
        if current is None:
            errors.setdefault("units", []).append(_("A chosen unit no longer exists."))
            continue
        if current.investment_id not in investment_ids:
            errors.setdefault("units", []).append(
                _("Unit %(unit)s is not in an investment of this lead.") % {"unit": current}
            )
        elif current.status == UnitStatus.SOLD:
            errors.setdefault("units", []).append(
                _("Unit %(unit)s is sold and cannot be offered.") % {"unit": current}
            )
        if price is None:
            errors[price_field(unit)] = [_("Give the offered price.")]
        elif price <= 0:
            errors[price_field(unit)] = [_("The price must be greater than zero.")]
    if valid_until is None:
        errors["valid_until"] = [_("Give the date the offer is valid until.")]
    elif valid_until < timezone.localdate():
        errors["valid_until"] = [_("The offer cannot be valid until a date in the past.")]
    if client is not None and not lead.clients.filter(pk=client.pk).exists():
        errors["client"] = [_("Choose one of the lead's clients.")]
    if channel and channel not in OfferChannel.values:
        errors["channel"] = [_("Choose a channel from the list.")]
    if errors:
        raise ValidationError(errors)

    is_first = not Offer.objects.filter(lead=lead).exists()
    offer = Offer(
        lead=lead,
        client=client,
        valid_until=valid_until,
        channel=channel,
        notes=notes.strip(),
        created_by=user,
    )
    offer._history_user = user  # django-simple-history records who made it
    offer.full_clean()
    offer.save()
    rows = []
    for unit, price in items:
        current = units[unit.pk]  # its list price of this moment is kept with the offer
        row = OfferItem(offer=offer, unit=current, list_price=current.list_price, price=price)
        row.full_clean(exclude=["offer"])
        rows.append(row)
    OfferItem.objects.bulk_create(rows)
    if is_first:
        lead_figures_sales(lead_id=lead.pk, offer=True)

    offer.suggested_status = (
        lead_advance_by_event(lead=lead, slug=OFFER_STATUS_SLUG, user=user) if is_first else None
    )
    return offer


@transaction.atomic
def offer_mark_sent(
    *, offer: Offer, channel: str, user: User, sent_at: datetime | None = None
) -> Offer:
    """Record that a draft offer went to the client: when (now by default) and how."""
    if channel not in OfferChannel.values:
        raise ValidationError({"channel": _("Choose how the offer was sent.")})
    offer = _locked(offer)
    _check_transition(offer, OfferStatus.SENT)
    offer.status = OfferStatus.SENT
    offer.sent_at = sent_at or timezone.now()
    offer.channel = channel
    return _save(offer, user=user)


@transaction.atomic
def offer_set_status(*, offer: Offer, status: str, user: User) -> Offer:
    """The client's answer to a sent offer: accepted or rejected. Only the moves
    draft → sent → accepted / rejected are allowed (sending goes through
    `offer_mark_sent`, which records when and how)."""
    if status == OfferStatus.SENT:
        raise ValidationError(_("Mark the offer as sent, with its channel."))
    offer = _locked(offer)
    _check_transition(offer, status)
    offer.status = status
    return _save(offer, user=user)


def _locked(offer: Offer) -> Offer:
    """The offer read again under a row lock (two clicks at once see one status), with its
    lead to check."""
    locked = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("lead__status")
        .get(pk=offer.pk)
    )
    if refusal := lead_closed_refusal(lead=locked.lead, won_closes=False):
        raise ValidationError(refusal)
    return locked


def _check_transition(offer: Offer, status: str) -> None:
    if status not in OfferStatus.values:
        raise ValidationError(_("Unknown offer status."))
    if status not in ALLOWED_TRANSITIONS[offer.status]:
        raise ValidationError(
            _("An offer that is “%(current)s” cannot become “%(new)s”.")
            % {"current": offer.get_status_display(), "new": OfferStatus(status).label}
        )


def _save(offer: Offer, *, user: User) -> Offer:
    offer._history_user = user
    offer.full_clean()
    offer.save()
    return offer
