"""The fields of one inquiry and their rules, whatever channel brought it: the intake API's
JSON body (`intake.payload.read_intake_payload`), the public form (`PublicInquiryForm`, its
subclass) and an import's row (`leads.imports.rows`) are all checked by this one form, so
that an inquiry `lead_receive` takes has the same lengths, email check, phone in E.164 and
"an email or a phone" rule wherever it came from. It lives in `leads`, under every channel,
because the import is a `leads` tool and `leads` never imports `intake`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.normalization import normalize_phone

# An RFC 3339 date and time, the document's "date-time": seconds and an offset required.
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII)


class Rfc3339DateTimeField(forms.DateTimeField):
    """A date and time written as the document says (RFC 3339): a date, a time and the
    time zone offset; a datetime given by Python (an import's cell) is taken as it is."""

    default_error_messages = {
        "invalid": gettext_lazy(
            "Give the date and time with its time zone, as in 2026-03-01T10:15:00+01:00."
        ),
    }

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str) and value and not RFC3339.fullmatch(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntakePayloadForm(forms.Form):
    external_id = forms.CharField(max_length=100, required=False)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254, required=False)
    phone = forms.CharField(max_length=32, required=False)
    message = forms.CharField(max_length=5000, required=False)
    investment = forms.CharField(max_length=150, required=False)
    consents_processing = forms.BooleanField(required=False)
    consents_marketing = forms.BooleanField(required=False)
    utm_source = forms.CharField(max_length=200, required=False)
    utm_medium = forms.CharField(max_length=200, required=False)
    utm_campaign = forms.CharField(max_length=200, required=False)
    utm_content = forms.CharField(max_length=200, required=False)
    utm_term = forms.CharField(max_length=200, required=False)
    submitted_at = Rfc3339DateTimeField(required=False)

    MESSAGE_NO_CONTACT = gettext_lazy("Give an email address or a phone number.")

    def clean_submitted_at(self) -> datetime | None:
        """A moment a sender can mean: years 2000–2100 and a real time zone offset (ISO 8601
        allows ±23:59, PostgreSQL stores at most ±15:59, the world uses ±14:00)."""
        value = self.cleaned_data["submitted_at"]
        if value is None:
            return None
        if not 2000 <= value.year <= 2100:
            raise ValidationError(_("Give a date between the years 2000 and 2100."))
        offset = value.utcoffset()
        if offset is not None and abs(offset) > timedelta(hours=14):
            raise ValidationError(_("The time zone offset must be between -14:00 and +14:00."))
        return value

    def clean_phone(self) -> str:
        """The number in E.164, read as Polish unless it carries a country code."""
        return normalize_phone(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        given = {name: cleaned.get(name) for name in ("email", "phone")}
        missing = {name for name in given if name not in self.errors and not given[name]}
        if missing == {"email", "phone"}:
            raise ValidationError(self.MESSAGE_NO_CONTACT, code="no_contact")
        return cleaned
