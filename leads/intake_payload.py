"""The JSON body of an inquiry posted to the intake API, checked field by field.

The body is a JSON object; `consents` and `utm` are nested objects. It is flattened into a
plain Django form (one obvious set of rules and messages), and the form's errors are given
back under the names the sender used ("consents.processing"), so a partner sees exactly
which of their fields to fix. Fields this document does not know are not errors: the whole
body is kept as the lead's raw payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.normalization import normalize_phone

# The largest body the intake API reads.
MAX_BODY_BYTES = 64 * 1024
# Nested object → its keys; each becomes the form field "<object>_<key>".
NESTED = {
    "consents": ("processing", "marketing"),
    "utm": ("source", "medium", "campaign", "content", "term"),
}
TEXT_FIELDS = ("external_id", "first_name", "last_name", "email", "phone", "message", "investment")
TEXT_FIELDS += tuple(f"utm_{key}" for key in NESTED["utm"]) + ("submitted_at",)
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


@dataclass
class IntakePayload:
    """The outcome of reading a body: the cleaned values, or errors by the sender's names."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _sender_name(form_name: str) -> str:
    for group in NESTED:
        if form_name.startswith(f"{group}_"):
            return f"{group}.{form_name.removeprefix(group + '_')}"
    return form_name


def _flatten(body: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """The body as the form's fields, each value checked against the type the OpenAPI
    document gives it (null meaning "not given"), so that no body the document refuses is
    taken for an inquiry, nor for a retry of an earlier one."""
    data = {name: value for name, value in body.items() if name not in NESTED}
    for group, keys in NESTED.items():
        nested = body.get(group)
        if nested is None:
            continue
        if not isinstance(nested, dict):
            errors[group] = [_("Must be a JSON object.")]
            continue
        data.update({f"{group}_{key}": nested.get(key) for key in keys})
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            errors[_sender_name(name)] = [_("Must be a string.")]
            data.pop(name)
    for key in NESTED["consents"]:
        value = data.get(f"consents_{key}")
        if value is not None and not isinstance(value, bool):
            errors[f"consents.{key}"] = [_("Must be true or false.")]
    return data


def read_intake_payload(body: Any) -> IntakePayload:
    """Check a decoded JSON body; every problem is reported at once, by field."""
    if not isinstance(body, dict):
        return IntakePayload(errors={"non_field_errors": [_("The body must be a JSON object.")]})
    errors: dict[str, list[str]] = {}
    data = _flatten(body, errors)
    form = IntakePayloadForm(data={k: v for k, v in data.items() if v is not None})
    form.is_valid()
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == "__all__" else _sender_name(name)
        errors.setdefault(key, []).extend(messages)
    if errors:
        return IntakePayload(errors=errors)
    return IntakePayload(data=form.cleaned_data)


class PublicInquiryForm(IntakePayloadForm):
    """The embeddable inquiry form: the API's fields and rules, minus what only a system
    sends, plus a required consent and a honeypot."""

    external_id = None
    submitted_at = None
    utm_source = utm_medium = utm_campaign = utm_content = utm_term = None

    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)
    investment = forms.ChoiceField(label=gettext_lazy("Investment"), required=False)
    message = forms.CharField(
        label=gettext_lazy("Message"), max_length=5000, required=False, widget=forms.Textarea
    )
    consents_processing = forms.BooleanField(
        label=gettext_lazy("I agree to the processing of my personal data to answer this inquiry."),
        required=True,
        error_messages={"required": gettext_lazy("We can answer only with this consent.")},
    )
    consents_marketing = forms.BooleanField(
        label=gettext_lazy("I agree to receive offers and news by email and phone."), required=False
    )
    # People never see this field (hidden by CSS, skipped by the keyboard); bots fill it.
    website = forms.CharField(required=False, label=gettext_lazy("Leave this field empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from investments.models import Investment

        self.fields["investment"].choices = [("", gettext_lazy("I have not chosen yet"))] + [
            (code, name)
            for code, name in Investment.objects.filter(active=True)
            .order_by("name")
            .values_list("code", "name")
        ]
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def submitted_values(self) -> dict[str, Any]:
        """What the visitor sent, as the lead's raw payload (the honeypot left out)."""
        return {
            name: value
            for name, value in self.data.items()
            if name in self.fields and name != "website"
        }


def utm_from_query(query) -> dict[str, str]:
    """utm_* of the page that embeds the form, passed on in the form's address."""
    return {
        f"utm_{key}": query.get(f"utm_{key}", "")[:200]
        for key in NESTED["utm"]
        if query.get(f"utm_{key}")
    }
