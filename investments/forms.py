"""The unit filter of an investment's page (GET parameters, validated only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import UnitKind, UnitStatus

ROOMS_OR_MORE = 5


class UnitFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("any")), *UnitKind.choices]
    )
    rooms = forms.TypedChoiceField(
        label=_("Rooms"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("any")), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5+")],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any")), *UnitStatus.choices]
    )
    price_min = forms.DecimalField(
        label=_("Price from (PLN)"), required=False, min_value=0, decimal_places=2
    )
    price_max = forms.DecimalField(
        label=_("Price to (PLN)"), required=False, min_value=0, decimal_places=2
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        low, high = cleaned.get("price_min"), cleaned.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("The upper price must not be below the lower one."))
        return cleaned

    def selector_arguments(self) -> dict:
        """The valid filters as keyword arguments of selectors.investment_units; a filter
        with an error is left out, the others still apply."""
        self.is_valid()
        cleaned = self.cleaned_data
        rooms = cleaned.get("rooms")
        return {
            "kind": cleaned.get("kind") or "",
            "status": cleaned.get("status") or "",
            "rooms_min": rooms,
            "rooms_max": rooms if rooms is not None and rooms < ROOMS_OR_MORE else None,
            "price_min": cleaned.get("price_min"),
            "price_max": cleaned.get("price_max"),
        }

    @property
    def active_count(self) -> int:
        return sum(1 for value in self.selector_arguments().values() if value not in (None, ""))
