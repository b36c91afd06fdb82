"""Who a person may already be among the clients: the one candidate search behind the
verification of an inquiry ("assign to a client or create one"), the duplicate check of
the client forms (/clients/new/, the lead form's "add client" dialog, converting an
inquiry) and `client_create` itself.

A client is the same person when the normalised phone (E.164), the normalised email or
the PESEL is the same; a client with the same folded first and last name only may be
(asked for by the verification of an inquiry, never enough to link a client the user may
not open). Candidates are ranked: a client matching several of these before one matching
one, contact matches before name matches, newest first within a rank. A client the user
may not open still appears (the person may well be theirs) with masked contact data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from crm.core.models import User
from crm.core.normalization import fold_name, normalize_email, phone_search_key

from .models import Client
from .selectors import clients_visible_to

MAX_CANDIDATES = 10


class Match:
    """A candidate's rank: the lower, the surer."""

    SEVERAL = 0  # e.g. phone and email
    ONE = 1  # phone, email or PESEL
    NAME = 2  # first and last name only


@dataclass(frozen=True)
class Candidate:
    client: Client
    rank: int
    visible: bool
    reasons: tuple[str, ...]

    @property
    def matched_by_contact(self) -> bool:
        """Matched on a phone, an email or a PESEL, not on a name alone."""
        return self.rank < Match.NAME

    @property
    def may_be_chosen(self) -> bool:
        """Whether the user may link an inquiry to this client: one they may open, or one
        whose phone or email is the inquiry's (a name is too easy to make up)."""
        return self.visible or self.matched_by_contact

    @property
    def name(self) -> str:
        return str(self.client) if self.visible else mask_name(self.client)

    @property
    def email(self) -> str:
        return self.client.email if self.visible else mask_email(self.client.email)

    @property
    def phone(self) -> str:
        return self.client.phone if self.visible else mask_phone(self.client.phone)


def client_candidates(
    *,
    user: User,
    phone: str = "",
    email: str = "",
    pesel: str = "",
    first_name: str = "",
    last_name: str = "",
) -> list[Candidate]:
    """At most MAX_CANDIDATES clients this person may be, best first. `phone` in any
    spelling ("504 976 791" is "+48 504 976 791"), `email` in any case; the name is
    matched only when both parts are given."""
    phone = phone_search_key(phone)
    email = normalize_email(email)
    pesel = (pesel or "").strip()
    first, last = fold_name(first_name), fold_name(last_name)
    nothing = Q(pk__in=[])
    conditions = {
        "phone": Q(phone_e164=phone) if phone else nothing,
        "email": Q(email_normalized=email) if email else nothing,
        "pesel": Q(pesel=pesel) if pesel else nothing,
    }
    by_name = Q(first_name_folded=first, last_name_folded=last) if first and last else nothing
    any_contact = conditions["phone"] | conditions["email"] | conditions["pesel"]
    if not (phone or email or pesel or (first and last)):
        return []
    hits = sum(
        (
            Case(When(condition, then=Value(1)), default=Value(0))
            for condition in conditions.values()
        ),
        Value(0),
    )
    clients = (
        Client.objects.filter(any_contact | by_name)
        .select_related("caretaker")
        .annotate(
            hits=hits,
            rank=Case(
                When(hits__gte=2, then=Value(Match.SEVERAL)),
                When(any_contact, then=Value(Match.ONE)),
                default=Value(Match.NAME),
                output_field=IntegerField(),
            ),
        )
        .order_by("rank", "-created_at", "-id")
    )
    found = list(clients[:MAX_CANDIDATES])
    visible = set(
        clients_visible_to(user)
        .filter(pk__in=[client.pk for client in found])
        .values_list("pk", flat=True)
    )
    return [
        Candidate(
            client,
            client.rank,
            client.pk in visible,
            _reasons(client, phone=phone, email=email, pesel=pesel, first=first, last=last),
        )
        for client in found
    ]


def _reasons(client: Client, *, phone, email, pesel, first, last) -> tuple[str, ...]:
    reasons = []
    if phone and client.phone_e164 == phone:
        reasons.append(_("same phone"))
    if email and client.email_normalized == email:
        reasons.append(_("same email"))
    if pesel and client.pesel == pesel:
        reasons.append(_("same PESEL"))
    if first and last and (client.first_name_folded, client.last_name_folded) == (first, last):
        reasons.append(_("same name"))
    return tuple(reasons)


def client_matches_contact(client: Client, *, phone: str, email: str) -> bool:
    """Whether the client has this phone or this email (each in any spelling)."""
    phone, email = phone_search_key(phone), normalize_email(email)
    return bool(
        (phone and client.phone_e164 == phone) or (email and client.email_normalized == email)
    )


def mask_name(client: Client) -> str:
    """Initials: "E*** T***" for Elżbieta Turza, a company's name's first letter."""
    if client.kind == "company" and client.company_name:
        return f"{client.company_name[:1]}***"
    parts = [part for part in (client.first_name, client.last_name) if part]
    return " ".join(f"{part[:1]}***" for part in parts) or "***"


def mask_email(email: str) -> str:
    """j***@g***.pl: enough to recognise, not enough to contact."""
    local, _at, domain = email.partition("@")
    if not domain:
        return "***" if email else ""
    name, _dot, tld = domain.rpartition(".")
    return f"{local[:1]}***@{name[:1]}***.{tld}" if name else f"{local[:1]}***@***"


def mask_phone(phone: str) -> str:
    """Only the last three digits."""
    digits = [char for char in phone if char.isdigit()]
    return f"*** *** {''.join(digits[-3:])}" if len(digits) > 3 else ("***" if phone else "")
