"""Forms of preliminary reservations and contracts (they only validate; the services decide
whether a unit may be taken)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.core.forms import FocusFirstErrorMixin
from investments.models import Unit

from ..models import ContractKind, Lead
from ..selectors.sales import contractable_units, lead_units, reservable_units


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LeadUnitChoiceField(forms.ModelChoiceField):
    """Lists the units free to take, but accepts any unit of the lead's investments: one
    taken since the page was shown is then refused by the service, which says by whom."""

    def __init__(self, *, accepted: QuerySet[Unit], **kwargs) -> None:
        super().__init__(**kwargs)
        self.accepted = accepted

    def label_from_instance(self, unit: Unit) -> str:
        return _unit_label(unit)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.accepted.get(pk=value)
        except (ValueError, TypeError, ValidationError, Unit.DoesNotExist):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class LeadUnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    """The same for several units."""

    def __init__(self, *, accepted: QuerySet[Unit], **kwargs) -> None:
        super().__init__(**kwargs)
        self.accepted = accepted

    def label_from_instance(self, unit: Unit) -> str:
        return _unit_label(unit)

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


def _unit_label(unit: Unit) -> str:
    return _("%(unit)s · %(rooms)s rooms · %(area)s m² · %(price)s PLN") % {
        "unit": unit,
        "rooms": unit.rooms if unit.rooms is not None else "—",
        "area": unit.area,
        "price": unit.list_price,
    }


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
        self.fields["unit"].queryset = reservable_units(lead=lead)
        self.fields["unit"].accepted = lead_units(lead=lead)
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
        self.fields["units"].queryset = contractable_units(lead=lead)
        self.fields["units"].accepted = lead_units(lead=lead)
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
