"""Candidate clients for an inquiry being verified ("assign to a client or create one").

Candidates come from the inquiry's normalised phone and email and its folded first and
last name, ranked: a client matching the phone or the email before one matching only by
name, newest first within a rank. A client the user may not open still appears (the
inquiry may well be theirs) with masked contact data, and can be chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When

from clients.models import Client
from clients.selectors import clients_visible_to
from crm.core.models import User
from crm.core.normalization import fold_name, normalize_email

from .models import Lead

MAX_CANDIDATES = 10


class Match:
    PHONE_AND_EMAIL = 0
    PHONE_OR_EMAIL = 1
    NAME = 2


@dataclass(frozen=True)
class Candidate:
    client: Client
    rank: int
    visible: bool

    @property
    def matched_by_contact(self) -> bool:
        return self.rank < Match.NAME

    @property
    def email(self) -> str:
        return self.client.email if self.visible else mask_email(self.client.email)

    @property
    def phone(self) -> str:
        return self.client.phone if self.visible else mask_phone(self.client.phone)


def client_candidates(*, lead: Lead, user: User) -> list[Candidate]:
    """At most MAX_CANDIDATES clients the inquiry may come from, best first."""
    phone = lead.contact_phone
    email = normalize_email(lead.contact_email) if lead.contact_email else ""
    first, last = fold_name(lead.contact_first_name), fold_name(lead.contact_last_name)
    nothing = Q(pk__in=[])
    by_phone = Q(phone_e164=phone) if phone else nothing
    by_email = Q(email_normalized=email) if email else nothing
    by_name = Q(first_name_folded=first, last_name_folded=last) if first and last else nothing
    clients = list(
        Client.objects.filter(by_phone | by_email | by_name)
        .select_related("caretaker")
        .annotate(
            rank=Case(
                When(by_phone & by_email, then=Value(Match.PHONE_AND_EMAIL)),
                When(by_phone | by_email, then=Value(Match.PHONE_OR_EMAIL)),
                default=Value(Match.NAME),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "-created_at", "-id")[:MAX_CANDIDATES]
    )
    visible = set(
        clients_visible_to(user)
        .filter(pk__in=[client.pk for client in clients])
        .values_list("pk", flat=True)
    )
    return [Candidate(client, client.rank, client.pk in visible) for client in clients]


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
