"""Forms of preliminary reservations and contracts (they only validate; the services decide
whether a unit may be taken)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.core.formatting import format_amount
from crm.core.forms import FocusFirstErrorMixin
from investments.models import Unit, UnitKind, UnitStatus

from ..models import ContractKind, Lead
from ..selectors.sales import (
    contractable_units,
    lead_units,
    reservable_units,
    unit_picker_units,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class UnitPickerMixin:
    """What the unit picker of a reservation or contract shows: every unit of the lead's
    investments, each labelled as an advisor recognises it, the ones the lead may not
    take disabled with the reason. Any unit of the lead's investments is accepted: one
    taken since the page was shown (or posted anyway) is refused by the service, which
    says by whom, next to the field."""

    accepted: QuerySet[Unit]

    def label_from_instance(self, unit: Unit) -> str:
        return unit_label(unit, self.widget.lead_id)


class UnitPickerWidgetMixin:
    """Marks the options the picker's script enhances (static/js/unit_picker.js): the
    taken ones disabled, each with its unit's state as a data attribute."""

    choosable: frozenset[int] = frozenset()
    lead_id: int | None = None

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        unit = getattr(value, "instance", None)
        if unit is not None:
            state = unit_state(unit, self.lead_id)
            option["attrs"]["data-state"] = state
            if unit.pk not in self.choosable:
                option["attrs"]["disabled"] = True
        return option


class UnitSelect(UnitPickerWidgetMixin, forms.Select):
    pass


class UnitSelectMultiple(UnitPickerWidgetMixin, forms.SelectMultiple):
    pass


class LeadUnitChoiceField(UnitPickerMixin, forms.ModelChoiceField):
    widget = UnitSelect

    def __init__(self, *, accepted: QuerySet[Unit], **kwargs) -> None:
        super().__init__(**kwargs)
        self.accepted = accepted

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.accepted.get(pk=value)
        except (ValueError, TypeError, ValidationError, Unit.DoesNotExist):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class LeadUnitMultipleChoiceField(UnitPickerMixin, forms.ModelMultipleChoiceField):
    """The same for several units."""

    widget = UnitSelectMultiple

    def __init__(self, *, accepted: QuerySet[Unit], **kwargs) -> None:
        super().__init__(**kwargs)
        self.accepted = accepted

    def _check_values(self, value):
        try:
            keys = {int(key) for key in value}
        except (ValueError, TypeError):
            raise ValidationError(
                self.error_messages["invalid_pk_value"],
                code="invalid_pk_value",
                params={"pk": next(iter(value), "")},
            ) from None
        units = list(self.accepted.filter(pk__in=keys))
        if len(units) != len(keys):
            missing = sorted(keys - {unit.pk for unit in units})[0]
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": missing},
            )
        return units


# The unit's state as the picker shows it (data-state, and the last part of its label).
FREE, OWN, RESERVED, SOLD = "free", "own", "reserved", "sold"


def unit_state(unit: Unit, lead_id: int | None) -> str:
    """Free, reserved for this lead, reserved for another, or sold; read from the hold
    the picker's selector fetched with the unit."""
    hold = getattr(unit, "hold", None)
    if hold is not None and hold.reservation is not None:
        return OWN if hold.reservation.lead_id == lead_id else RESERVED
    if (hold is not None and hold.contract_id is not None) or unit.status == UnitStatus.SOLD:
        return SOLD
    if unit.status == UnitStatus.RESERVED:
        return RESERVED
    return FREE


def unit_title(unit: Unit) -> str:
    return gettext("%(investment)s — %(number)s") % {
        "investment": unit.investment,
        "number": unit.number,
    }


def unit_label(unit: Unit, lead_id: int | None) -> str:
    """'Akacjowa — M03 · 3 rooms · 54.20 m² · floor 2 · 512,000.00 zł · free': the parts
    an advisor looks for, which the picker's search box also matches."""
    parts = [unit_title(unit)]
    if unit.kind != UnitKind.FLAT:
        parts.append(str(unit.get_kind_display()))
    if unit.rooms is not None:
        parts.append(
            ngettext("%(rooms)d room", "%(rooms)d rooms", unit.rooms) % {"rooms": unit.rooms}
        )
    parts.append(
        gettext("%(area)s m²")
        % {"area": formats.number_format(unit.area, decimal_pos=2, use_l10n=True)}
    )
    if unit.floor is not None:
        floor = gettext("floor %(floor)d") % {"floor": unit.floor}
        parts.append(gettext("ground floor") if unit.floor == 0 else floor)
    parts.append(format_amount(unit.list_price))
    parts.append(_state_text(unit, unit_state(unit, lead_id)))
    return " · ".join(parts)


def _state_text(unit: Unit, state: str) -> str:
    hold = getattr(unit, "hold", None)
    if state == OWN:
        return gettext("reserved for this lead")
    if state == RESERVED and hold is not None and hold.reservation is not None:
        advisor = hold.reservation.created_by
        return gettext("reserved by %(advisor)s until %(date)s") % {
            "advisor": (advisor.get_full_name() or advisor.username) if advisor else "—",
            "date": formats.date_format(hold.reservation.reserved_until, "SHORT_DATE_FORMAT"),
        }
    return {
        FREE: pgettext("unit state", "free"),
        RESERVED: pgettext("unit state", "reserved"),
        SOLD: pgettext("unit state", "sold"),
    }[state]


def _unit_picker(field: forms.Field, *, lead: Lead, choosable: QuerySet[Unit]) -> bool:
    """Point a unit field at the lead's units, the `choosable` ones enabled; True when
    there is at least one to choose."""
    field.queryset = unit_picker_units(lead=lead)
    field.accepted = lead_units(lead=lead)
    field.widget.lead_id = lead.pk
    field.widget.choosable = frozenset(choosable.values_list("pk", flat=True))
    field.widget.attrs.update(
        {
            "data-unit-picker": "",
            "data-search-placeholder": _("Search: number, investment, rooms…"),
            "data-chosen-label": _("Chosen:"),
            "data-none-chosen": _("No unit chosen yet."),
            "data-no-match": _("No unit matches the search."),
        }
    )
    return bool(field.widget.choosable)


class ReservationForm(FocusFirstErrorMixin, forms.Form):
    unit = LeadUnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        accepted=Unit.objects.none(),
        empty_label=_("Choose a unit"),
        error_messages={"required": _("Choose the unit to reserve.")},
    )
    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=Client.objects.none(),
        required=False,
        empty_label=_("No client"),
    )
    reserved_until = forms.DateField(
        label=_("Reserved until"),
        widget=DateInput,
        error_messages={"required": _("Give the last day of the reservation.")},
    )
    fee = forms.DecimalField(
        label=_("Reservation fee (PLN)"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("Optional."),
    )
    first_field = "unit"

    def __init__(self, *args, lead: Lead, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.has_choosable_units = _unit_picker(
            self.fields["unit"], lead=lead, choosable=reservable_units(lead=lead)
        )
        self.fields["client"].queryset = lead.clients.order_by("last_name", "first_name")
        if not self.is_bound:
            self._focus_first_field()

    def clean_reserved_until(self):
        value = self.cleaned_data["reserved_until"]
        if value < timezone.localdate():
            raise ValidationError(_("The reservation cannot end in the past."))
        return value

    def clean_fee(self):
        value = self.cleaned_data["fee"]
        if value is not None and value < 0:
            raise ValidationError(_("The fee cannot be negative."))
        return value


class ContractForm(FocusFirstErrorMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContractKind.choices)
    number = forms.CharField(label=_("Number"), max_length=60, required=False)
    units = LeadUnitMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        accepted=Unit.objects.none(),
        widget=UnitSelectMultiple(attrs={"size": 8}),
        error_messages={"required": _("Choose at least one unit.")},
        help_text=_("Free units and the ones this lead has reserved."),
    )
    clients = forms.ModelMultipleChoiceField(
        label=_("Clients"), queryset=Client.objects.none(), required=False
    )
    signed_at = forms.DateField(
        label=_("Signed"),
        widget=DateInput,
        error_messages={"required": _("Give the date the contract was signed.")},
    )
    price = forms.DecimalField(
        label=_("Price (PLN)"),
        max_digits=14,
        decimal_places=2,
        error_messages={"required": _("Give the contract's price.")},
    )
    first_field = "kind"

    def __init__(self, *args, lead: Lead, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.has_choosable_units = _unit_picker(
            self.fields["units"], lead=lead, choosable=contractable_units(lead=lead)
        )
        self.fields["clients"].queryset = lead.clients.order_by("last_name", "first_name")
        if not self.is_bound:
            self._focus_first_field()

    def clean_signed_at(self):
        value = self.cleaned_data["signed_at"]
        if value > timezone.localdate():
            raise ValidationError(_("The signing date cannot be in the future."))
        return value

    def clean_price(self):
        value = self.cleaned_data["price"]
        if value <= 0:
            raise ValidationError(_("The price must be greater than zero."))
        return value


class ContractCancelForm(FocusFirstErrorMixin, forms.Form):
    cancellation_reason = forms.CharField(
        label=_("Why is the contract cancelled?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Say why the contract is cancelled.")},
    )
    first_field = "cancellation_reason"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self._focus_first_field()
