"""The JSON body of an inquiry posted to the intake API, checked field by field.

The body is a JSON object; `consents` and `utm` are nested objects. It is flattened into a
plain Django form (one obvious set of rules and messages: `leads.forms.inquiry`, which an
import's rows are checked by too), and the form's errors are given
back under the names the sender used ("consents.processing"), so a partner sees exactly
which of their fields to fix. Fields this document does not know are not errors: the whole
body is kept as the lead's raw payload.

`consents.given` (a list of {purpose, channel, clause_version}) is read beside the form:
its shape here (`read_intake_payload`), its clause versions against the register once the
controller is known (`read_given_clauses`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from consents.models import Channel, Clause, Controller, Kind, Purpose
from consents.services import Given
from leads.forms.inquiry import IntakePayloadForm

# The largest body the intake API reads.
MAX_BODY_BYTES = 64 * 1024
# Nested object → its keys; each becomes the form field "<object>_<key>".
NESTED = {
    "consents": ("processing", "marketing"),
    "utm": ("source", "medium", "campaign", "content", "term"),
}
TEXT_FIELDS = ("external_id", "first_name", "last_name", "email", "phone", "message", "investment")
TEXT_FIELDS += tuple(f"utm_{key}" for key in NESTED["utm"]) + ("submitted_at",)


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
    consents = body.get("consents")
    if isinstance(consents, dict) and consents.get("given") is not None:
        data["consents_given"] = _read_given(consents["given"], errors)
    return data


def _read_given(given: Any, errors: dict[str, list[str]]) -> list[tuple[str, Kind, int]]:
    """`consents.given` as (the item's name, its kind, its clause version); each wrong
    item's field named in `errors` ("consents.given[0].channel")."""
    if not isinstance(given, list):
        errors["consents.given"] = [_("Must be a list.")]
        return []
    read = []
    for index, item in enumerate(given):
        name = f"consents.given[{index}]"
        if not isinstance(item, dict):
            errors[name] = [_("Must be a JSON object.")]
            continue
        purpose, channel, version = (
            item.get("purpose"),
            item.get("channel"),
            item.get("clause_version"),
        )
        wrong = len(errors)
        if purpose not in Purpose.values:
            errors[f"{name}.purpose"] = [
                _("Unknown purpose; use one of: %(values)s.")
                % {"values": ", ".join(Purpose.values)}
            ]
        if channel not in Channel.values:
            errors[f"{name}.channel"] = [
                _("Unknown channel; use one of: %(values)s.")
                % {"values": ", ".join(Channel.values)}
            ]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            errors[f"{name}.clause_version"] = [_("Must be a clause version number (1, 2, …).")]
        if len(errors) > wrong:
            continue
        kind = Kind.of(purpose, channel)
        if kind is None:
            errors[f"{name}.channel"] = [
                _("The purpose %(purpose)s has no channel %(channel)s.")
                % {"purpose": purpose, "channel": channel}
            ]
        elif kind == Kind.INQUIRY:
            errors[f"{name}.purpose"] = [
                _("Handling the inquiry needs no consent; it is recorded for every inquiry.")
            ]
        else:
            read.append((name, kind, version))
    return read


def read_given_clauses(
    given: list[tuple[str, Kind, int]], *, controller: Controller | None
) -> tuple[tuple[Given, ...], dict[str, list[str]]]:
    """The clauses `consents.given` names, as versions of the controller's clauses (any
    version but the one standing for consents before the register: a person may have
    agreed to a text retired since); an unknown one is an error on its clause_version."""
    if not given:
        return (), {}
    clauses = {
        (clause.kind, clause.version): clause
        for clause in Clause.objects.filter(
            controller=controller, kind__in={kind for _name, kind, _version in given},
            is_legacy=False,
        )
    }  # fmt: skip
    found, errors = [], {}
    for name, kind, version in given:
        clause = clauses.get((kind, version))
        if clause is None:
            errors[f"{name}.clause_version"] = [
                _("There is no version %(version)s of the clause for %(kind)s.")
                % {"version": version, "kind": kind.value}
            ]
        else:
            found.append(Given(kind, clause))
    return tuple(found), errors


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
    return IntakePayload(
        data={**form.cleaned_data, "consents_given": data.get("consents_given", [])}
    )


def consent_field_name(kind: str) -> str:
    """The public form's checkbox of a kind: "marketing:email" → consent_marketing_email."""
    return "consent_" + kind.replace(":", "_")


class PublicInquiryForm(IntakePayloadForm):
    """The embeddable inquiry form: the API's fields and rules, minus what only a system
    sends, plus a honeypot and the consent register's part: the controller's information
    clause (RODO art. 13, in the template) and one unticked checkbox per marketing kind
    offered (`kinds_offered`), labelled with the controller's clause text. Handling the
    inquiry needs no consent (art. 6(1)(b)): it is recorded as the basis of every inquiry.

    `controller` and `clauses` (its clauses offered now, by kind): see
    `IntakeConfig.inquiry_controller`. The hidden `consents_shown` carries
    which controller and clause versions the visitor read, so that what they ticked is
    recorded against those texts only (`consents_changed`)."""

    external_id = None
    submitted_at = None
    utm_source = utm_medium = utm_campaign = utm_content = utm_term = None
    consents_processing = consents_marketing = None

    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)
    investment = forms.ChoiceField(label=gettext_lazy("Investment"), required=False)
    message = forms.CharField(
        label=gettext_lazy("Message"), max_length=5000, required=False, widget=forms.Textarea
    )
    consents_shown = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    # People never see this field (hidden by CSS, skipped by the keyboard); bots fill it.
    website = forms.CharField(required=False, label=gettext_lazy("Leave this field empty"))

    MESSAGE_CONSENTS_CHANGED = gettext_lazy(
        "The investment you chose is run by another data controller, or its consent texts "
        "changed: read the information and the consents below and tick again what you agree to."
    )

    def __init__(
        self,
        *args,
        controller: Controller | None = None,
        clauses: dict[str, Clause] | None = None,
        kinds: tuple[str, ...] | list[str] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        from investments.models import Investment

        self.controller = controller
        self.clauses = clauses or {}
        self.consent_kinds = [kind for kind in kinds if kind in self.clauses]
        for kind in self.consent_kinds:
            self.fields[consent_field_name(kind)] = forms.BooleanField(
                label=self.clauses[kind].text, required=False
            )
        self.fields["consents_shown"].initial = self.consents_signature
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
    def consents_signature(self) -> str:
        """The controller and clause versions this form shows, as "controller:clause ids"."""
        ids = ",".join(str(pk) for pk in sorted(clause.pk for clause in self.clauses.values()))
        return f"{self.controller.pk if self.controller else ''}:{ids}"

    def consents_changed(self) -> bool:
        """The visitor read another controller's consents, or other versions, than the
        ones this form records (they chose an investment of another controller, or a clause
        got a new version meanwhile). A form posted without the hidden field is taken as
        showing the current ones."""
        shown = self.cleaned_data.get("consents_shown")
        return bool(shown) and shown != self.consents_signature

    @property
    def consent_boxes(self) -> list:
        return [self[consent_field_name(kind)] for kind in self.consent_kinds]

    def consents_given(self) -> tuple[Given, ...]:
        """The consents the visitor ticked, with the clauses they read."""
        return tuple(
            Given(Kind(kind), self.clauses[kind])
            for kind in self.consent_kinds
            if self.cleaned_data.get(consent_field_name(kind))
        )

    @property
    def information_clause(self) -> str:
        """The controller's own information clause (art. 13) in the current language;
        empty: the template's default text naming the controller."""
        if self.controller is None:
            return ""
        english = (get_language() or "pl").startswith("en")
        if english and self.controller.information_clause_en:
            return self.controller.information_clause_en
        return self.controller.information_clause_pl

    @property
    def basis_clause(self) -> Clause | None:
        return self.clauses.get(Kind.INQUIRY)

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def submitted_values(self) -> dict[str, Any]:
        """What the visitor sent, as the lead's raw payload (the honeypot left out)."""
        return {
            name: value
            for name, value in self.data.items()
            if name in self.fields and name not in ("website", "consents_shown")
        }


def utm_from_query(query) -> dict[str, str]:
    """utm_* of the page that embeds the form, passed on in the form's address."""
    return {
        f"utm_{key}": query.get(f"utm_{key}", "")[:200]
        for key in NESTED["utm"]
        if query.get(f"utm_{key}")
    }
