"""The demo's consent register: what each inquiry's form carried and what people told their
advisors, as events with their evidence, and the states derived from them.

- Every inquiry records its basis (handling the inquiry, RODO art. 6(1)(b)), through the
  website's form, the intake API (ad forms) or a portal, with the form's URL, the visitor's
  address and browser, or the request's id.
- Marketing by email, phone call or SMS, in varied combinations: ticked on the website's
  form, or (a portal's or an ad form's inquiry never implies it) told an advisor later;
  clients typed in by hand give theirs in the sales office.
- Some withdraw a channel later (by phone or by email); one or two object to marketing
  (art. 21), which puts their phone and email on the suppression list.
- An inquiry still waiting for a client keeps its consents on the lead.

The seeder's random numbers for consents (from the demo's seed), apart from the others', so
the rest of the demo stays as it was.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import F

from clients.models import Client
from consents.models import Action, Clause, ConsentEvent, Kind, Source, Suppression
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import consent_events_load, objection_record
from crm.core.models import User

from . import data

if TYPE_CHECKING:
    from .seeder import DemoSeeder, PlannedLead

EMAIL, PHONE, SMS = Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE, Kind.MARKETING_SMS
# The channels ticked together, with how often.
COMBINATIONS = (
    ((EMAIL,), 35),
    ((EMAIL, PHONE), 25),
    ((PHONE,), 12),
    ((EMAIL, PHONE, SMS), 12),
    ((EMAIL, SMS), 8),
    ((PHONE, SMS), 8),
)
TOLD_ADVISOR_SHARE = 0.5  # of the portal and ad-form people who would agree
WITHDRAWN_SHARE = 0.08  # of the marketing consents given
OBJECTIONS = 2
FORM_PAGES = (
    "https://www.lejek-deweloper.example/kontakt",
    "https://www.lejek-deweloper.example/inwestycje/{code}",
    "https://www.lejek-deweloper.example/inwestycje/{code}/mieszkania",
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
TOLD_ADVISOR_NOTES = (
    "Zgoda wyrażona w rozmowie telefonicznej.",
    "Klient poprosił o informacje o nowych inwestycjach.",
    "Zgoda podczas spotkania w biurze sprzedaży.",
)
OFFICE_NOTE = "Zgoda zapisana przy zakładaniu klienta w biurze sprzedaży."
WITHDRAWAL_NOTES = (
    "Klient prosi o niewysyłanie ofert.",
    "Rezygnacja telefoniczna, bez podania przyczyny.",
    "Kupił mieszkanie u innego dewelopera, nie chce dalszych informacji.",
)
OBJECTION_NOTE = "Klient zażądał zaprzestania wszelkiego kontaktu marketingowego (art. 21 RODO)."


class DemoConsents:
    """Plans the events once the leads and clients have ids, loads them in bulk, then
    records the objections through the service that puts them on the suppression list."""

    def __init__(self, seeder: DemoSeeder) -> None:
        self.seeder = seeder
        self.rng = seeder.consent_rng
        self.end = seeder.end
        self.events: list[ConsentEvent] = []
        self.objections: list[ConsentEvent] = []

    def save(self) -> None:
        self.clauses: dict[str, Clause] = clauses_offered(controller_default())
        if Kind.INQUIRY not in self.clauses:  # the register's clauses were removed
            return
        # The inquiry's contact is a lead's first client: their form's consents are theirs.
        form_contacts: set[int] = set()
        for planned in self.seeder.planned:
            if planned.lead.external_id:
                self._inquiry(planned)
                form_contacts.update(client.pk for client in planned.clients[:1])
        for client in self.seeder.clients:
            if client.pk not in form_contacts:
                self._typed_in(client)
        consent_events_load(events=self.events)
        self._objections()

    # -- planning ----------------------------------------------------------------------------

    def _inquiry(self, planned: PlannedLead) -> None:
        """An inquiry's basis and the marketing its form carried (the website's form), or
        what its person told the advisor later (a portal, an ad form)."""
        rng, lead = self.rng, planned.lead
        client = planned.clients[0] if planned.clients else None
        slug = lead.source.slug
        investment = planned.investments[0] if planned.investments else None
        if slug == data.FORM_SOURCE:
            source = Source.PUBLIC_FORM
            page = rng.choice(FORM_PAGES).format(code=investment.code if investment else "")
            evidence = {
                "url": page,
                "ip": f"203.0.113.{rng.randint(1, 254)}",
                "user_agent": rng.choice(USER_AGENTS),
            }
        elif slug == "facebook":
            source = Source.API
            evidence = {"request_id": f"req-{rng.getrandbits(48):012x}"}
        else:
            source = Source.PORTAL
            evidence = {"portal": slug, "external_id": lead.external_id}
        self._add(client, lead, Kind.INQUIRY, lead.created_at, source, evidence=evidence)
        if lead.deletion_reason_id is not None:  # spam and tests: nothing more
            return
        if not lead._demo_consent_marketing:
            return
        employee = planned.employees[0]
        if source == Source.PUBLIC_FORM:
            for kind in self._channels():
                self._add(client, lead, kind, lead.created_at, source, evidence=evidence)
        elif rng.random() < TOLD_ADVISOR_SHARE:
            told = lead.created_at + timedelta(hours=rng.uniform(1, 240))
            if told < self.end:
                for kind in self._channels():
                    self._add(
                        client, lead, kind, told, Source.EMPLOYEE, user=employee,
                        note=rng.choice(TOLD_ADVISOR_NOTES),
                    )  # fmt: skip

    def _typed_in(self, client: Client) -> None:
        """A client typed in by hand (or the partner of an inquiry's contact): the basis
        and marketing as given in the sales office when the client was added."""
        at = client.created_at
        caretaker = client.caretaker
        if getattr(client, "_demo_consent_processing", False):
            self._add(client, None, Kind.INQUIRY, at, Source.EMPLOYEE, user=caretaker)
        if getattr(client, "_demo_consent_marketing", False):
            for kind in self._channels():
                self._add(client, None, kind, at, Source.EMPLOYEE, user=caretaker, note=OFFICE_NOTE)

    def _channels(self) -> tuple[Kind, ...]:
        combinations, weights = zip(*COMBINATIONS, strict=True)
        return self.rng.choices(combinations, weights=weights)[0]

    def _add(
        self,
        client: Client | None,
        lead,
        kind: Kind,
        at: datetime,
        source: str,
        *,
        evidence: dict | None = None,
        user: User | None = None,
        note: str = "",
    ) -> None:
        """A consent given; a marketing one is now and then withdrawn later."""
        self.events.append(
            ConsentEvent(
                client=client,
                lead=lead,
                kind=kind,
                action=Action.GIVEN,
                clause=self.clauses[kind],
                at=at,
                source=source,
                evidence=evidence or {},
                note=note,
                recorded_by=user,
                recorded_at=at,
            )  # fmt: skip
        )
        rng = self.rng
        if kind == Kind.INQUIRY or rng.random() >= WITHDRAWN_SHARE:
            return
        withdrawn = at + (self.end - at) * rng.uniform(0.2, 0.95)
        by_email = rng.random() < 0.3
        employee = user or (client.caretaker if client is not None else lead.created_by)
        self.events.append(
            ConsentEvent(
                client=client,
                lead=lead,
                kind=kind,
                action=Action.WITHDRAWN,
                at=withdrawn,
                source=Source.MAILBOX if by_email else Source.EMPLOYEE,
                evidence={"subject": "Rezygnacja z ofert"} if by_email else {},
                note=rng.choice(WITHDRAWAL_NOTES),
                recorded_by=employee,
                recorded_at=withdrawn,
            )  # fmt: skip
        )

    # -- objections --------------------------------------------------------------------------

    def _objections(self) -> None:
        """A client or two who had agreed to marketing object to it after their last
        consent; their phone and email go on the suppression list."""
        rng = self.rng
        last: dict[int, datetime] = {}
        for event in self.events:
            if event.client is not None:
                last[event.client.pk] = max(last.get(event.client.pk, event.at), event.at)
        marketing = sorted(
            {
                event.client.pk
                for event in self.events
                if event.client is not None and event.kind == EMAIL and event.granted
            }
        )
        clients = {client.pk: client for client in self.seeder.clients}
        for client_id in sorted(rng.sample(marketing, min(OBJECTIONS, len(marketing)))):
            client = clients[client_id]
            at = last[client_id] + (self.end - last[client_id]) * rng.uniform(0.3, 0.9)
            self.objections += objection_record(
                person=Person(client=client), user=client.caretaker, at=at, note=OBJECTION_NOTE
            )
        # Recorded when the story says, not when the seeder ran.
        ConsentEvent.objects.filter(pk__in=[e.pk for e in self.objections]).update(
            recorded_at=F("at")
        )
        objected = {event.at for event in self.objections}
        Suppression.objects.filter(objected_at__in=objected).update(recorded_at=F("objected_at"))

    def summary(self) -> dict[str, int]:
        return {"consent events": len(self.events) + len(self.objections)}
