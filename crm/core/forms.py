"""What every app's forms share: keyboard focus where the fix is needed, and a service's
refusal shown next to the field it names."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _


class FocusFirstErrorMixin:
    """Autofocus on the first field of the form, or, once the form has errors, on the
    first field with one, so a keyboard user lands where the fix is needed."""

    first_field: str = ""

    def full_clean(self) -> None:
        super().full_clean()
        self.focus_first_error()

    def focus_first_error(self) -> None:
        for name, field in self.fields.items():
            if name in self.errors and not field.widget.is_hidden:
                for other in self.fields.values():
                    other.widget.attrs.pop("autofocus", None)
                field.widget.attrs["autofocus"] = True
                return

    def _focus_first_field(self) -> None:
        self.fields[self.first_field].widget.attrs["autofocus"] = True


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: next to its field when the form has one, above
    the form otherwise; the keyboard focus moves to the first field in error."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
    else:
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    if isinstance(form, FocusFirstErrorMixin):
        form.focus_first_error()


def describe_filters(form: forms.Form, *, skip: Collection[str] = ()) -> list[tuple[str, str]]:
    """The filters a bound form sets, in words, for a page that says what a list or a
    report holds: (label, value) per field with a valid value, in the form's order (a
    value that does not validate filters nothing, so it is left out)."""
    if not form.is_bound:
        return []
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    described = []
    for name, field in form.fields.items():
        value = cleaned.get(name)
        if name in skip or value in (None, "", [], (), slice(None)):
            continue
        if isinstance(value, QuerySet):
            value = list(value)
            if not value:
                continue
        described.append((str(form[name].label), _in_words(field, value)))
    return described


def _in_words(field: forms.Field, value: Any) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(_in_words(field, item) for item in value)
    if isinstance(value, slice):
        start = _in_words(field, value.start) if value.start is not None else ""
        end = _in_words(field, value.stop) if value.stop is not None else ""
        if start and end:
            return _("from %(start)s to %(end)s") % {"start": start, "end": end}
        if start:
            return _("from %(start)s") % {"start": start}
        return _("until %(end)s") % {"end": end}
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Model):
        return str(value)
    choices = dict(getattr(field, "choices", None) or ())
    return str(choices.get(value, value))
