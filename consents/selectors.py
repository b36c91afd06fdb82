"""Reads of the consent register: a person's current consents and history, the clauses
offered now, the controller, and whether a phone or email objected to marketing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.crypto import salted_hmac

from crm.core.normalization import normalize_email, normalize_phone

from .models import MARKETING_KINDS, Action, Clause, ConsentEvent, ConsentState, Controller, Kind

if TYPE_CHECKING:
    from clients.models import Client


@dataclass(frozen=True)
class Person:
    """Whose consents: a client, or an inquiry's contact before the inquiry has a client
    (then `lead` alone). An event may name both: the client and the inquiry it came with."""

    client: Client | None = None
    lead: object | None = None  # leads.Lead (this lower layer does not import leads)

    def __post_init__(self):
        if self.client is None and self.lead is None:
            raise ValueError("A person is a client or an inquiry's contact.")

    def contacts(self) -> list[tuple[str, str]]:
        """The person's phone and email, normalised, as ("phone"|"email", value)."""
        if self.client is not None:
            phone, email = self.client.phone_e164 or self.client.phone, self.client.email
        else:
            phone, email = self.lead.contact_phone, self.lead.contact_email
        found = []
        if phone:
            try:
                found.append(("phone", normalize_phone(phone)))
            except Exception:  # a number kept as typed; its digits still identify it
                found.append(("phone", "".join(ch for ch in phone if ch.isdigit())))
        if email:
            found.append(("email", normalize_email(email)))
        return found


def suppression_digest(contact_kind: str, value: str) -> str:
    """The salted hash a phone or email is kept under on the suppression list."""
    return salted_hmac(
        "lejek.consents.suppression",
        f"{contact_kind}:{value}",
        secret=settings.LEJEK_SUPPRESSION_KEY,
        algorithm="sha256",
    ).hexdigest()


def suppressed_at(*, phone: str = "", email: str = "") -> datetime | None:
    """When the owner of this phone or email objected to marketing, or None."""
    from .models import Suppression

    digests = []
    if phone:
        try:
            digests.append(suppression_digest("phone", normalize_phone(phone)))
        except Exception:
            digests.append(suppression_digest("phone", "".join(c for c in phone if c.isdigit())))
    if email:
        digests.append(suppression_digest("email", normalize_email(email)))
    if not digests:
        return None
    found = Suppression.objects.filter(digest__in=digests).order_by("-objected_at").first()
    return found.objected_at if found is not None else None


def person_suppressed_at(person: Person) -> datetime | None:
    contacts = dict(person.contacts())
    return suppressed_at(phone=contacts.get("phone", ""), email=contacts.get("email", ""))


def controller_default() -> Controller | None:
    """The settings' default controller (the developer company)."""
    from settings_app.selectors import crm_settings

    return crm_settings().default_controller


def controller_for(investment=None) -> Controller | None:
    """Whom a person gives consents to: the investment's special-purpose company when it
    has one, else the default controller."""
    if investment is not None and getattr(investment, "controller_id", None):
        return investment.controller
    return controller_default()


def kinds_offered() -> list[Kind]:
    """The marketing kinds a form offers: profiling only when the settings turn it on."""
    from settings_app.selectors import crm_settings

    profiling = crm_settings().profiling_enabled
    return [kind for kind in MARKETING_KINDS if kind != Kind.PROFILING or profiling]


def clauses_offered(controller: Controller | None) -> dict[str, Clause]:
    """The clause versions offered now, by kind, for a controller."""
    if controller is None:
        return {}
    return {
        clause.kind: clause
        for clause in Clause.objects.filter(controller=controller, active=True, is_legacy=False)
    }


@dataclass(frozen=True)
class ConsentLine:
    """One kind's current state, for a page: "email: yes (given 12.03.2026 via the form,
    clause v3) / no / withdrawn 02.05.2026"."""

    kind: Kind
    event: ConsentEvent | None

    @property
    def granted(self) -> bool:
        return self.event is not None and self.event.action == Action.GIVEN

    @property
    def state(self) -> str:
        return "none" if self.event is None else self.event.action


def consent_lines(*, client=None, lead=None) -> list[ConsentLine]:
    """A person's state per kind (every kind, "none" where nothing was recorded)."""
    if client is not None:
        states = ConsentState.objects.filter(client=client)
    else:
        states = ConsentState.objects.filter(lead=lead, client__isnull=True)
    by_kind = {
        state.kind: state.event
        for state in states.select_related("event__clause", "event__recorded_by")
    }
    return [ConsentLine(Kind(kind), by_kind.get(kind)) for kind in Kind.values]


def consent_history(*, client=None, lead=None) -> QuerySet[ConsentEvent]:
    """A person's events, newest first."""
    if client is not None:
        events = ConsentEvent.objects.filter(client=client)
    else:
        events = ConsentEvent.objects.filter(lead=lead, client__isnull=True)
    return events.select_related("clause", "recorded_by", "lead").order_by("-at", "-id")


def granted_exists(kind: Kind | str, *, client_ref: str = "pk") -> Exists:
    """EXISTS: the client (OuterRef(client_ref)) has the consent of this kind now."""
    return Exists(
        ConsentState.objects.filter(client_id=OuterRef(client_ref), kind=kind, granted=True)
    )


def lead_granted_q(kind: Kind | str) -> Q:
    """A Q on leads: one of the lead's clients, or the inquiry's contact without a client,
    has the consent of this kind now."""
    from clients.models import Client

    of_clients = Exists(
        Client.leads.through.objects.filter(lead_id=OuterRef("pk")).filter(
            granted_exists(kind, client_ref="client_id")
        )
    )
    of_contact = Exists(
        ConsentState.objects.filter(
            lead_id=OuterRef("pk"), client__isnull=True, kind=kind, granted=True
        )
    )
    return Q(of_clients) | Q(of_contact)
