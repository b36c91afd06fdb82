"""Writes on the consent register: the one way a consent is recorded, withdrawn or
objected to, by every path (public form, API, import, portals, an employee).

Each write appends an event and moves the person's derived state (`ConsentState`) to the
newest event of that kind; nothing is edited in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import User

from .models import (
    MARKETING_KINDS,
    Action,
    Clause,
    ConsentEvent,
    ConsentState,
    Kind,
    Source,
    Suppression,
)
from .selectors import Person, person_suppressed_at, suppression_digest


class ConsentRefused(ValidationError):
    """A consent that may not be recorded (e.g. marketing for a person who objected)."""


@dataclass(frozen=True)
class Given:
    """A consent to record: its kind and the clause version the person agreed to."""

    kind: Kind
    clause: Clause


# Sources through which the person themself ticked or named the consent: these may lift an
# objection (art. 21), as a new explicit consent. A legacy mapping or an import may not.
EXPLICIT_SOURCES = frozenset({Source.PUBLIC_FORM, Source.API, Source.EMPLOYEE, Source.MAILBOX})


def _check(*, kind: str, action: str, clause: Clause | None, at: datetime, now: datetime):
    """The rules every consent event obeys, however it is written: not dated in the
    future; a consent given names a clause of its own kind; handling an inquiry (a basis,
    not a consent) is not withdrawn."""
    if at > now + timedelta(minutes=5):
        raise ValidationError({"at": _("A consent cannot be dated in the future.")})
    if action == Action.GIVEN:
        if clause is None:
            raise ValidationError({"clause": _("A consent must name the clause it was given to.")})
        if clause.kind != kind:
            raise ValidationError({"clause": _("This clause is for another purpose or channel.")})
    elif kind == Kind.INQUIRY:
        raise ValidationError(
            {"kind": _("Handling an inquiry is not a consent; it cannot be withdrawn here.")}
        )


@transaction.atomic
def consent_record(
    *,
    person: Person,
    kind: Kind | str,
    action: Action | str,
    source: Source | str,
    clause: Clause | None = None,
    at: datetime | None = None,
    evidence: dict[str, Any] | None = None,
    document: UploadedFile | None = None,
    note: str = "",
    user: User | None = None,
    explicit: bool = False,
) -> ConsentEvent:
    """Append one consent event for a person (a client, or an inquiry's contact) and move
    their current state of that kind to it when it is the newest.

    A marketing consent for a person on the suppression list (they objected) is refused
    unless it is `explicit` (the person agreed anew, through a form they filled or to an
    employee who says so); an explicit one lifts the objection."""
    kind = Kind(kind)
    action = Action(action)
    now = timezone.now()
    at = at or now
    _check(kind=kind, action=action, clause=clause, at=at, now=now)
    if action == Action.GIVEN and kind in MARKETING_KINDS:
        objected_at = person_suppressed_at(person)
        if objected_at is not None:
            if not (explicit and source in EXPLICIT_SOURCES):
                raise ConsentRefused(_objection_message(objected_at))
            suppression_lift(person)
    evidence = dict(evidence or {})
    if document is not None:
        # What the scan was called and what it is, for its download (consent_document_view).
        evidence["document"] = {
            "name": document.name,
            "content_type": getattr(document, "content_type", ""),
            "size": document.size,
        }
    event = ConsentEvent(
        client=person.client,
        lead=person.lead,
        kind=kind,
        action=action,
        clause=clause,
        at=at,
        source=source,
        evidence=evidence,
        note=note,
        recorded_by=user,
        recorded_at=now,
    )
    if document is not None:
        event.document = document
    # The constraints are the database's: checking them here too cost four queries (two
    # with their savepoints) on every consent written, an intake's most of all.
    event.full_clean(
        exclude=["client", "lead", "clause", "recorded_by"], validate_constraints=False
    )
    event.save()
    _state_follow(event)
    return event


def consents_record_given(
    *,
    person: Person,
    given: Iterable[Given],
    source: Source | str,
    at: datetime | None = None,
    evidence: dict[str, Any] | None = None,
    user: User | None = None,
    explicit: bool = False,
) -> tuple[list[ConsentEvent], list[str]]:
    """Record several consents given together (a form, an API call, an import row).
    Returns the events and the reasons of those refused (an objection), which the caller
    reports: none is dropped silently."""
    events, refused = [], []
    for item in given:
        try:
            events.append(
                consent_record(
                    person=person,
                    kind=item.kind,
                    action=Action.GIVEN,
                    clause=item.clause,
                    source=source,
                    at=at,
                    evidence=evidence,
                    user=user,
                    explicit=explicit,
                )  # fmt: skip
            )
        except ConsentRefused as refusal:
            refused.extend(refusal.messages)
    return events, refused


@transaction.atomic
def consents_withdraw(
    *,
    person: Person,
    kinds: Iterable[Kind | str],
    user: User | None,
    source: Source | str = Source.EMPLOYEE,
    at: datetime | None = None,
    note: str = "",
    document: UploadedFile | None = None,
    evidence: dict[str, Any] | None = None,
) -> list[ConsentEvent]:
    """Withdraw consents (art. 7(3)): one event per kind named."""
    return [
        consent_record(
            person=person,
            kind=kind,
            action=Action.WITHDRAWN,
            source=source,
            at=at,
            note=note,
            document=document,
            user=user,
            evidence=evidence,
        )  # fmt: skip
        for kind in kinds
    ]


@transaction.atomic
def objection_record(
    *,
    person: Person,
    user: User | None,
    source: Source | str = Source.EMPLOYEE,
    at: datetime | None = None,
    note: str = "",
    evidence: dict[str, Any] | None = None,
) -> list[ConsentEvent]:
    """An objection to marketing (art. 21): every marketing kind is withdrawn as objected,
    and the person's phone and email go on the suppression list as salted hashes."""
    at = at or timezone.now()
    events = [
        consent_record(
            person=person,
            kind=kind,
            action=Action.OBJECTED,
            source=source,
            at=at,
            note=note,
            user=user,
            evidence=evidence,
        )  # fmt: skip
        for kind in MARKETING_KINDS
    ]
    for contact_kind, value in person.contacts():
        Suppression.objects.update_or_create(
            digest=suppression_digest(contact_kind, value),
            defaults={"contact_kind": contact_kind, "objected_at": at},
        )
    return events


def suppression_lift(person: Person) -> None:
    """A new explicit consent ends the objection of the person's phone and email."""
    digests = [suppression_digest(kind, value) for kind, value in person.contacts()]
    Suppression.objects.filter(digest__in=digests).delete()


@transaction.atomic
def consents_move_to_client(*, lead_id: int, client_id: int) -> int:
    """An inquiry's contact became (or was found to be) a client: the events given with the
    inquiry are the client's now, and the client's state follows the newest of them.
    Returns how many events moved."""
    moved = ConsentEvent.objects.filter(lead_id=lead_id, client__isnull=True).update(
        client_id=client_id
    )
    ConsentState.objects.filter(lead_id=lead_id, client__isnull=True).delete()
    if moved:
        _states_rebuild(client_ids=[client_id])
    return moved


def _states_rebuild(*, client_ids: Iterable[int] = (), lead_ids: Iterable[int] = ()) -> None:
    """Derive again, from all their events, the current states of these clients and of
    these inquiries' contacts without a client: per person and kind, the newest event by
    time, then id."""
    client_ids, lead_ids = set(client_ids), set(lead_ids)
    if not client_ids and not lead_ids:
        return
    of_people = Q(client_id__in=client_ids) | Q(lead_id__in=lead_ids, client__isnull=True)
    ConsentState.objects.filter(of_people).delete()
    newest: dict[tuple[tuple[str, int], str], ConsentEvent] = {}
    for event in (
        ConsentEvent.objects.filter(of_people)
        .order_by("at", "id")
        .only("id", "client_id", "lead_id", "kind", "action")
    ):
        newest[(_event_person_key(event), event.kind)] = event
    ConsentState.objects.bulk_create(
        (_state_of(event) for event in newest.values()), batch_size=500
    )


def _people_of(events: Iterable[ConsentEvent]) -> dict[str, set[int]]:
    """Whose events these are: the clients, and the inquiries' contacts without a client."""
    return {
        "client_ids": {event.client_id for event in events if event.client_id is not None},
        "lead_ids": {event.lead_id for event in events if event.client_id is None},
    }


def _state_of(event: ConsentEvent) -> ConsentState:
    """The state an event makes: its person's (a client's, or a contact's without one)."""
    return ConsentState(
        client_id=event.client_id,
        lead_id=None if event.client_id is not None else event.lead_id,
        kind=event.kind,
        granted=event.granted,
        event=event,
    )


@dataclass(frozen=True)
class ToRecord:
    """One consent given among many recorded at once (an import's rows)."""

    person: Person
    given: Given
    at: datetime
    evidence: dict[str, Any]


@transaction.atomic
def consents_record_many(
    *, items: Sequence[ToRecord], source: Source | str, explicit: bool = False
) -> list[tuple[int, str]]:
    """Record many consents given at once, with the rules of `consent_record` (the clause
    named and of the kind, an objection refusing a marketing consent that is not explicit)
    in a few statements instead of some five per consent: an import of 10 000 rows.
    Returns the refused ones as (index in `items`, reason)."""
    now = timezone.now()
    for item in items:
        _check(
            kind=item.given.kind, action=Action.GIVEN, clause=item.given.clause, at=item.at,
            now=now,
        )  # fmt: skip
    objected = _objections_of(item.person for item in items if item.given.kind in MARKETING_KINDS)
    refused: list[tuple[int, str]] = []
    lifted: list[Person] = []
    events: list[ConsentEvent] = []
    for index, item in enumerate(items):
        marketing = item.given.kind in MARKETING_KINDS
        objected_at = objected.get(_person_key(item.person)) if marketing else None
        if objected_at is not None:
            if not (explicit and source in EXPLICIT_SOURCES):
                refused.append((index, _objection_message(objected_at)))
                continue
            lifted.append(item.person)
        events.append(
            ConsentEvent(
                client=item.person.client,
                lead=item.person.lead,
                kind=item.given.kind,
                action=Action.GIVEN,
                clause=item.given.clause,
                at=item.at,
                source=source,
                evidence=item.evidence,
                recorded_at=now,
            )  # fmt: skip
        )
    for person in lifted:
        suppression_lift(person)
    ConsentEvent.objects.bulk_create(events)
    _states_rebuild(**_people_of(events))
    return refused


def _person_key(person: Person) -> tuple[str, int]:
    return ("client", person.client.pk) if person.client is not None else ("lead", person.lead.pk)


def _event_person_key(event: ConsentEvent) -> tuple[str, int]:
    if event.client_id is not None:
        return ("client", event.client_id)
    return ("lead", event.lead_id)


def _objections_of(people: Iterable[Person]) -> dict[tuple[str, int], datetime]:
    """When each of these people objected (by their phone's or email's hash), in one query."""
    digests: dict[str, list[tuple[str, int]]] = {}
    for person in people:
        for kind, value in person.contacts():
            digests.setdefault(suppression_digest(kind, value), []).append(_person_key(person))
    found: dict[tuple[str, int], datetime] = {}
    if not digests:
        return found
    for digest, objected_at in Suppression.objects.filter(digest__in=digests).values_list(
        "digest", "objected_at"
    ):
        for key in digests[digest]:
            if key not in found or found[key] < objected_at:
                found[key] = objected_at
    return found


def _objection_message(objected_at: datetime) -> str:
    return _(
        "The person objected to marketing on %(date)s; only a new explicit consent can be recorded."
    ) % {"date": timezone.localtime(objected_at).strftime("%d.%m.%Y")}


def _state_follow(event: ConsentEvent) -> None:
    """Point the person's state of this kind at the event, unless a newer one is there
    (an import may bring a consent dated before one already recorded)."""
    if event.client_id is not None:
        person = {"client_id": event.client_id}
    else:
        person = {"lead_id": event.lead_id, "client__isnull": True}
    state = ConsentState.objects.select_for_update().filter(kind=event.kind, **person).first()
    if state is None:
        _state_of(event).save()
        return
    current = state.event
    if (current.at, current.id) > (event.at, event.id):
        return
    state.event = event
    state.granted = event.granted
    state.save(update_fields=["event", "granted"])


@transaction.atomic
def clause_new_version(*, clause: Clause, text_pl: str, text_en: str = "") -> Clause:
    """A changed clause text as the next version of its controller's clause of that kind:
    offered from now on, the version offered before retired (kept for the events that name
    it, never edited: art. 7(1) asks for the text a person agreed to)."""
    if clause.is_legacy:
        raise ValidationError(
            _("The clause of consents recorded before the register has no new versions.")
        )
    versions = Clause.objects.select_for_update().filter(
        controller_id=clause.controller_id, kind=clause.kind
    )
    latest = max(version.version for version in versions)
    versions.filter(active=True).update(active=False)
    new = Clause(
        controller_id=clause.controller_id,
        kind=clause.kind,
        version=latest + 1,
        text_pl=text_pl.strip(),
        text_en=text_en.strip(),
        active=True,
    )
    new.full_clean()
    new.save()
    return new


@transaction.atomic
def consent_events_load(*, events: Sequence[ConsentEvent]) -> list[ConsentEvent]:
    """Append many events made beforehand (the demo's story, a bulk load), each checked as
    `consent_record` checks it, and derive the current states of every person they touch
    from all of that person's events (the newest by time, then id, per kind): the states
    recording them one by one would leave, in a few statements instead of some five per
    event. The suppression list is not consulted: the caller vouches that nobody who
    objected gets marketing (an objection itself goes through `objection_record`)."""
    now = timezone.now()
    for event in events:
        _check(kind=event.kind, action=event.action, clause=event.clause, at=event.at, now=now)
        # The constraints are the database's, on insert (a query each, checked here).
        event.full_clean(
            exclude=["client", "lead", "clause", "recorded_by"], validate_constraints=False
        )
    created = ConsentEvent.objects.bulk_create(events, batch_size=500)
    _states_rebuild(**_people_of(created))
    return created
