"""The forms of an offer: the unit filter of the picker (GET) and the offer itself (the
chosen units with their prices, the validity date, channel, notes and client)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.core.params import whole_number
from investments.models import Unit
from leads.models import Lead, OfferChannel, OfferStatus
from leads.selectors.offers import lead_offer_clients, units_by_ids
from leads.services.offers import price_field

# An offer lists a handful of units; more ids in a request are ignored.
MAX_UNITS = 50
DEFAULT_VALIDITY_DAYS = 14

AVAILABILITY_CHOICES = [
    ("available", _("available")),
    ("reserved", _("reserved")),
    ("all", _("all (sold too)")),
]


class UnitFilterForm(forms.Form):
    """The picker's filter: GET parameters, validated only; a filter with an error is left
    out and shown with its error, the others still apply."""

    availability = forms.ChoiceField(
        label=_("Availability"), required=False, choices=AVAILABILITY_CHOICES
    )
    rooms = forms.IntegerField(label=_("Rooms"), required=False, min_value=0, max_value=99)
    area_min = forms.DecimalField(
        label=_("Area from (m²)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    area_max = forms.DecimalField(
        label=_("Area to (m²)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    price_min = forms.DecimalField(
        label=_("Price from (PLN)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    price_max = forms.DecimalField(
        label=_("Price to (PLN)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        for low, high, message in (
            ("area_min", "area_max", _("The upper area must not be below the lower one.")),
            ("price_min", "price_max", _("The upper price must not be below the lower one.")),
        ):
            if cleaned.get(low) is not None and cleaned.get(high) is not None:
                if cleaned[low] > cleaned[high]:
                    self.add_error(high, message)
        return cleaned

    def selector_arguments(self) -> dict:
        """The valid filters as keyword arguments of `offer_units_for_lead`."""
        self.is_valid()
        cleaned = self.cleaned_data
        return {
            "availability": cleaned.get("availability") or "available",
            **{
                name: cleaned.get(name)
                for name in ("rooms", "area_min", "area_max", "price_min", "price_max")
            },
        }


def chosen_ids(values: list[str]) -> list[int]:
    """The unit ids of a request, once each, in order (what is not an id is left out)."""
    ids = [whole_number(value) for value in values]
    return list(dict.fromkeys(pk for pk in ids if pk is not None))[:MAX_UNITS]


class OfferForm(forms.Form):
    """The offer: the chosen units (field `units`) each with its offered price (field
    `price_<unit id>`, the list price by default), and the offer's details.

    Bound to a POST to create the offer; unbound (`from_query`) to show the picker with the
    units chosen so far, carried in the page's query string."""

    units = forms.MultipleChoiceField(label=_("Units"), required=False)
    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=Client.objects.none(),
        required=False,
        empty_label=_("— no client chosen —"),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("— not sent yet —")), *OfferChannel.choices],
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, lead: Lead, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["client"].queryset = lead_offer_clients(lead=lead)
        today = timezone.localdate()
        self.fields["valid_until"].widget.attrs["min"] = today.isoformat()
        values = self.data.getlist("units") if self.is_bound else self.initial.get("units", [])
        self.chosen_units: list[Unit] = units_by_ids(ids=chosen_ids(values))
        self.fields["units"].choices = [(str(unit.pk), str(unit)) for unit in self.chosen_units]
        for unit in self.chosen_units:
            self.fields[price_field(unit)] = forms.DecimalField(
                label=_("Offered price of %(unit)s (PLN)") % {"unit": unit},
                required=False,
                max_digits=12,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
            )
            self.initial.setdefault(price_field(unit), unit.list_price)
        self.initial.setdefault("valid_until", today + timedelta(days=DEFAULT_VALIDITY_DAYS))

    @classmethod
    def from_query(cls, query: QueryDict, *, lead: Lead) -> OfferForm:
        """An unbound form showing what the page's query string carries: the chosen units
        and, when the picker kept them, the prices and details typed so far."""
        initial: dict = {"units": query.getlist("units")}
        for name in ("client", "valid_until", "channel", "notes"):
            if query.get(name):
                initial[name] = query[name]
        for unit_id in chosen_ids(initial["units"]):
            if query.get(price_field(unit_id)):
                initial[price_field(unit_id)] = query[price_field(unit_id)]
        return cls(lead=lead, initial=initial)

    def rows(self) -> list[dict]:
        """Each chosen unit with its price field and the discount the current price
        gives (None while the price is not a number)."""
        rows = []
        for unit in self.chosen_units:
            field = self[price_field(unit)]
            price = _decimal(field.value())
            discount = unit.list_price - price if price is not None else None
            percent = (
                (discount / unit.list_price * 100).quantize(Decimal("0.1"))
                if discount is not None and unit.list_price
                else None
            )
            rows.append({"unit": unit, "field": field, "discount": discount, "percent": percent})
        return rows

    def service_arguments(self) -> dict:
        """The cleaned data as the keyword arguments of `offer_create` (beyond lead and
        user)."""
        chosen = set(self.cleaned_data["units"])
        return {
            "client": self.cleaned_data["client"],
            "items": [
                (unit, self.cleaned_data.get(price_field(unit)))
                for unit in self.chosen_units
                if str(unit.pk) in chosen
            ],
            "valid_until": self.cleaned_data["valid_until"],
            "channel": self.cleaned_data["channel"],
            "notes": self.cleaned_data["notes"],
        }


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class SendOfferForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=OfferChannel.choices,
        error_messages={"required": _("Choose how the offer was sent.")},
    )


class OfferAnswerForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (OfferStatus.ACCEPTED.value, OfferStatus.ACCEPTED.label),
            (OfferStatus.REJECTED.value, OfferStatus.REJECTED.label),
        ],
    )
