"""What every app's forms share: keyboard focus where the fix is needed, and a service's
refusal shown next to the field it names."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


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
