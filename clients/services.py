"""Writes on clients, contractors and sources."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.models import User

from .candidates import Candidate, client_candidates
from .models import Client, ClientKind, Contractor, LeadSource

CLIENT_FIELDS = (
    "kind",
    "company_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "pesel",
    "accounting_id",
    "caretaker",
    "source",
    "preferred_investment",
    "description",
)
# Foreign keys keep None; a text field given None is stored blank.
_NULLABLE = {"caretaker", "source", "preferred_investment"}
CONTRACTOR_FIELDS = (
    "name",
    "nip",
    "krs",
    "regon",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
)

MESSAGE_STALE = _(
    "Someone else saved this record after you opened the form. Nothing was overwritten: "
    "open the page again to see their changes, then repeat yours."
)


def hash_intake_token(token: str) -> str:
    """SHA-256 of an intake token: the only form in which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def source_rotate_intake_token(*, source: LeadSource) -> str:
    """Give a source a new intake token and return it in plain text, the only time it is
    seen; the previous token stops working at once."""
    token = secrets.token_urlsafe(32)
    source.intake_token_hash = hash_intake_token(token)
    source.intake_token_created_at = timezone.now()
    source.save(update_fields=["intake_token_hash", "intake_token_created_at"])
    return token


@transaction.atomic
def sources_rotate_intake_tokens(*, sources: Iterable[LeadSource]) -> list[tuple[LeadSource, str]]:
    """Give each of `sources` a new intake token, all or none: the tokens are shown only
    once, so a failure part-way must not leave some sources with tokens nobody saw."""
    return [(source, source_rotate_intake_token(source=source)) for source in sources]


def _user_branch(user: User):
    if user.branch_id is None:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("You belong to no branch, so you cannot add records.")}
        )
    return user.branch


def _client_validate(client: Client, *, caretaker_changed: bool) -> None:
    """The client's business rules with errors on the fields, then the model's own
    validation (which also computes the lookup columns the check constraints need)."""
    errors: dict[str, list] = {}
    if not (client.email or "").strip() and not (client.phone or "").strip():
        message = _("Give the client an email address or a phone number.")
        errors = {"email": [message], "phone": [message]}
    if client.kind == ClientKind.COMPANY and not client.company_name.strip():
        errors["company_name"] = [_("A company client needs a company name.")]
    caretaker = client.caretaker
    if caretaker_changed and caretaker is not None and caretaker.branch_id != client.branch_id:
        errors["caretaker"] = [_("The caretaker must work in the client's branch.")]
    if errors:
        raise ValidationError(errors)
    client.full_clean()


def _check_not_stale(model, pk: int, expected: datetime | None) -> None:
    """Refuse a write based on a form opened before the record's last save."""
    if expected is None:
        return
    current = model.objects.select_for_update().filter(pk=pk).values_list("updated_at", flat=True)
    if current.first() != expected:
        raise ValidationError(MESSAGE_STALE, code="stale")


def _apply(obj, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            value = data[name]
            setattr(obj, name, "" if value is None and name not in _NULLABLE else value)


class DuplicateClients(ValidationError):
    """The new client's phone, email or PESEL is an existing client's: nothing is made
    until the user either uses one of `candidates` or creates the client anyway."""

    def __init__(self, candidates: list[Candidate]):
        super().__init__(
            _(
                "A client with the same phone, email or PESEL is already in Lejek: use that "
                "client, or create the new one anyway."
            ),
            code="duplicates",
        )
        self.candidates = candidates


def client_check_new(*, user: User, data: dict, allow_duplicates_of: Collection[int] = ()):
    """The client `data` describes, validated and not saved (the lead form keeps it until
    the lead is saved). Raises ValidationError for the fields, and DuplicateClients when
    an existing client has its phone, email or PESEL, unless the user saw each of them
    (`allow_duplicates_of`, their ids) and chose to create it anyway."""
    client = Client(branch=_user_branch(user), created_by=user)
    _apply(client, data, CLIENT_FIELDS)
    if client.caretaker_id is None and not (user.is_manager or user.is_administrator):
        client.caretaker = user
    _client_validate(client, caretaker_changed=True)
    candidates = client_candidates(
        user=user, phone=client.phone_e164, email=client.email_normalized, pesel=client.pesel
    )
    allowed = set(allow_duplicates_of)
    if any(candidate.client.pk not in allowed for candidate in candidates):
        raise DuplicateClients(candidates)
    return client


@transaction.atomic
def client_create(*, user: User, data: dict, allow_duplicates_of: Collection[int] = ()) -> Client:
    """Add a client to the user's branch. An advisor who names no caretaker becomes it.
    Consents are recorded in the register (consents.services), not here. Refused
    (DuplicateClients) when an existing client has the same phone, email or PESEL, unless
    the user saw it and chose to go on
    (`allow_duplicates_of`): see `client_check_new`."""
    client = client_check_new(user=user, data=data, allow_duplicates_of=allow_duplicates_of)
    client._history_user = user
    client.save()
    return client


@transaction.atomic
def client_update(*, client: Client, user: User, data: dict) -> Client:
    """Save the changes to a client. `data["updated_at"]`, when given, is the version the
    user's form was opened on; a newer save by someone else refuses the write."""
    _check_not_stale(Client, client.pk, data.get("updated_at"))
    previous_caretaker_id = client.caretaker_id
    _apply(client, data, CLIENT_FIELDS)
    _client_validate(client, caretaker_changed=client.caretaker_id != previous_caretaker_id)
    client._history_user = user
    client.save()
    return client


@transaction.atomic
def contractor_create(*, user: User, data: dict) -> Contractor:
    """Add a contractor (a B2B company) to the user's branch."""
    contractor = Contractor(branch=_user_branch(user))
    _apply(contractor, data, CONTRACTOR_FIELDS)
    contractor.full_clean()
    contractor._history_user = user
    contractor.save()
    return contractor


@transaction.atomic
def contractor_update(*, contractor: Contractor, user: User, data: dict) -> Contractor:
    """Save the changes to a contractor; refused when someone saved it since the user's
    form was opened (`data["updated_at"]`)."""
    _check_not_stale(Contractor, contractor.pk, data.get("updated_at"))
    _apply(contractor, data, CONTRACTOR_FIELDS)
    contractor.full_clean()
    contractor._history_user = user
    contractor.save()
    return contractor
