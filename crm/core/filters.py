"""django-filter filters every app's filter panel may use."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .params import MAX_ID
from .widgets import ChoicePicker

RANGE_FROM = _("%(label)s, from")
RANGE_TO = _("%(label)s, to")


class IdField(forms.IntegerField):
    """An object's id: a whole number from 1 to the largest bigint."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdFilter(django_filters.NumberFilter):
    """An id in the address (?client=12): anything but an id is the field's error and
    the filter is left out, never a database error."""

    field_class = IdField


class IdListFilter(django_filters.BaseInFilter, IdFilter):
    """Ids separated by commas (?id=3,5,8), each checked as IdFilter checks one."""


class NamedControlsMixin:
    """A filter panel whose every control has an accessible name. The panels show a
    field's label as the legend of its fieldset, which names the group but no single
    control: a select or a date range's two inputs would be read out nameless."""

    @property
    def form(self):
        form = super().form
        if not getattr(form, "controls_named", False):
            for field in form.fields.values():
                _name_controls(field)
            form.controls_named = True
        return form


def _name_controls(field: forms.Field) -> None:
    widget = field.widget
    if isinstance(widget, forms.MultiWidget):  # a range: "Created, from" and "…, to"
        parts = (RANGE_FROM, RANGE_TO)
        for part, subwidget in zip(parts, widget.widgets, strict=False):
            subwidget.attrs["aria-label"] = part % {"label": field.label}
    elif isinstance(widget, ChoicePicker):  # names its search field and its summary
        widget.attrs.setdefault("aria-label", field.label)
    elif not widget.is_hidden and not isinstance(widget, forms.CheckboxSelectMultiple):
        widget.attrs.setdefault("aria-label", field.label)
