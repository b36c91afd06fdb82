"""The bench data's consent register: events and the states derived from them, loaded with
COPY for every client and every inquiry's contact without a client.

Each person has the inquiry basis (RODO art. 6(1)(b)) from when they came; about 45 % agree
to marketing by email, 30 % by phone, 10 % by SMS, ticked on the website's form (with its
URL, the visitor's address and browser) or told an employee later (a portal's or an ad
form's inquiry never implies marketing); a few withdraw one later. The states are the
newest event per person and kind, as consents.services derives them.
"""

from __future__ import annotations

import json
import random
from array import array
from collections.abc import Callable
from datetime import UTC, datetime

from django.core.management.base import CommandError

from consents.models import Action, Kind, Source
from consents.selectors import clauses_offered, controller_default

from . import database
from .database import CONSENT_EVENT_COLUMNS, CONSENT_STATE_COLUMNS, copy_into

DAY = 86400.0
# Each marketing channel's share of people, drawn independently (varied combinations).
MARKETING_SHARES = (
    (Kind.MARKETING_EMAIL, 0.45),
    (Kind.MARKETING_PHONE, 0.30),
    (Kind.MARKETING_SMS, 0.10),
)
WITHDRAWN_SHARE = 0.04  # of the marketing consents given
KINDS = (Kind.INQUIRY, *(kind for kind, _ in MARKETING_SHARES))
FORM_SOURCES = {"www": Source.PUBLIC_FORM, "facebook": Source.API}
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36",
)
FORM_URLS = (
    "https://www.dewelo.example/kontakt",
    "https://www.dewelo.example/inwestycje/akacjowe-ogrody",
    "https://www.dewelo.example/mieszkania?pokoje=3",
)
# Evidence of a form, made once (the bench writes hundreds of thousands of them).
FORM_EVIDENCE = [
    json.dumps({"url": url, "ip": f"203.0.113.{n}", "user_agent": agent})
    for n in range(1, 255, 7)
    for url in FORM_URLS
    for agent in USER_AGENTS
]
EMPLOYEE_NOTE = "Zgoda wyrażona w rozmowie telefonicznej."
WITHDRAWAL_NOTES = ("Klient prosi o niewysyłanie ofert.", "Rezygnacja telefoniczna.", "")


class ConsentWriter:
    """Writes one load's events through COPY and keeps each person's newest event per
    kind, for the states written after them."""

    def __init__(self, *, rng: random.Random, now: float) -> None:
        controller = controller_default()
        clauses = clauses_offered(controller)
        missing = [kind for kind in KINDS if kind not in clauses]
        if missing:
            raise CommandError(
                f"The clauses {missing} are missing: run manage.py migrate (consents 0002)."
            )
        self.clause_ids = {kind: clauses[kind].pk for kind in KINDS}
        self.rng = rng
        self.now = now
        self.next_id = database.reserve_ids("consents_consentevent", "id", 1)
        # The states: (client id or 0, lead id or 0, index into KINDS, granted, event id).
        self.state_client = array("q")
        self.state_lead = array("q")
        self.state_kind = array("B")
        self.state_granted = array("B")
        self.state_event = array("q")

    def write_events(self, people: Callable[[], object]) -> int:
        """COPY the events of every person `people()` yields as (client id or 0, lead id or
        0, when they came, the source's slug or "", the employee who would record)."""
        written = 0
        with copy_into("consents_consentevent", CONSENT_EVENT_COLUMNS) as copy:
            for client_id, lead_id, came, slug, employee in people():
                for row in self._person_events(client_id, lead_id, came, slug, employee):
                    copy.write_row(row)
                    written += 1
        database.advance_sequence_past("consents_consentevent", "id", self.next_id - 1)
        return written

    def write_states(self) -> int:
        with copy_into("consents_consentstate", CONSENT_STATE_COLUMNS) as copy:
            for i in range(len(self.state_event)):
                copy.write_row(
                    (
                        self.state_client[i] or None,
                        self.state_lead[i] or None,
                        KINDS[self.state_kind[i]].value,
                        bool(self.state_granted[i]),
                        self.state_event[i],
                    )
                )
        return len(self.state_event)

    def _person_events(
        self, client_id: int, lead_id: int, came: float, slug: str, employee: int
    ) -> list[tuple]:
        rng = self.rng
        source = FORM_SOURCES.get(slug, Source.PORTAL if slug else Source.EMPLOYEE)
        evidence = "{}"
        if source == Source.PUBLIC_FORM:
            evidence = rng.choice(FORM_EVIDENCE)
        elif source == Source.API:
            evidence = json.dumps({"request_id": f"bench-{client_id or lead_id}"})
        recorder = employee if source == Source.EMPLOYEE else None
        rows = [self._event(client_id, lead_id, 0, Action.GIVEN, came, source, evidence, recorder)]
        for k, (_kind, share) in enumerate(MARKETING_SHARES, start=1):
            if rng.random() >= share:
                continue
            if source == Source.PUBLIC_FORM:  # ticked on the form
                given = self._event(
                    client_id, lead_id, k, Action.GIVEN, came, source, evidence, None
                )
            else:  # a portal's or an ad form's inquiry implies none: said to an employee
                at = came + rng.random() * min(30 * DAY, self.now - came)
                given = self._event(
                    client_id, lead_id, k, Action.GIVEN, at, Source.EMPLOYEE, "{}", employee,
                    note=EMPLOYEE_NOTE,
                )  # fmt: skip
            rows.append(given)
            if rng.random() < WITHDRAWN_SHARE:
                given_at = given[6].timestamp()
                at = given_at + rng.random() * (self.now - given_at)
                rows.append(
                    self._event(
                        client_id,
                        lead_id,
                        k,
                        Action.WITHDRAWN,
                        at,
                        Source.EMPLOYEE,
                        "{}",
                        employee,
                        note=rng.choice(WITHDRAWAL_NOTES),
                    )  # fmt: skip
                )
        return rows

    def _event(
        self,
        client_id: int,
        lead_id: int,
        k: int,
        action: str,
        at: float,
        source: str,
        evidence: str,
        recorder: int | None,
        note: str = "",
    ) -> tuple:
        """One event's row; it is the newest of its kind (events come in time order per
        person and kind), so the person's state of that kind points at it."""
        event_id = self.next_id
        self.next_id += 1
        if self.state_event and self._same_state(client_id, lead_id, k):
            self.state_granted[-1] = action == Action.GIVEN
            self.state_event[-1] = event_id
        else:
            self.state_client.append(client_id)
            self.state_lead.append(0 if client_id else lead_id)
            self.state_kind.append(k)
            self.state_granted.append(action == Action.GIVEN)
            self.state_event.append(event_id)
        moment = datetime.fromtimestamp(at, UTC)
        clause_id = self.clause_ids[KINDS[k]] if action == Action.GIVEN else None
        return (
            event_id, client_id or None, lead_id or None, KINDS[k].value, action, clause_id,
            moment, source, evidence, "", note, recorder, moment,
        )  # fmt: skip

    def _same_state(self, client_id: int, lead_id: int, k: int) -> bool:
        # A withdrawal follows the consent it withdraws at once: the last state is its own.
        return (
            self.state_kind[-1] == k
            and self.state_client[-1] == client_id
            and self.state_lead[-1] == (0 if client_id else lead_id)
        )
