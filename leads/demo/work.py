"""The work done on the demo leads: conversations and the next steps, offers, preliminary
reservations and contracts with the holds they keep on units, filled surveys and notes.

Planned in memory once the leads are (``LeadWork.plan``: before the units are saved, so
that the units' history shows their reservations) and written in bulk once every lead has
its id (``LeadWork.save``). The data keep the rules the services keep: a reserved unit is
held by one active reservation, a sold one by a contract of a won lead; a lead's first
conversation of each kind is its "first ..." event; an offer belongs to a lead that reached
"Oferta"; survey answers are the template's questions, valid for their kind.
"""

from __future__ import annotations

import copy
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from clients.models import Client
from crm.core.models import User
from investments.models import Investment, Unit, UnitKind, UnitStatus
from leads.models import (
    Activity,
    ActivityDirection,
    ActivityKind,
    Contract,
    ContractKind,
    IntakeOutcome,
    Lead,
    LeadEvent,
    LeadEventKind,
    Note,
    Offer,
    OfferItem,
    OfferStatus,
    Reservation,
    ReservationStatus,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
    UnitHold,
)
from leads.services.conversations import FIRST_EVENT_OF_KIND
from leads.services.surveys import survey_answer_text

from . import data
from .history import record_history

if TYPE_CHECKING:
    from .seeder import DemoSeeder, PlannedLead

# The share of open leads with a next step planned; the others show "no next step".
NEXT_STEP_SHARE = 0.85
# When the next step falls, as "My day" groups them.
NEXT_STEP_WEIGHTS = {"overdue": 22, "today": 22, "tomorrow": 20, "later": 36}
SURVEY_SHARE = 0.4
NOTE_SHARE = 0.3
OFFER_VALID_DAYS = 14
CONVERSATION_KINDS = (
    ActivityKind.PHONE,
    ActivityKind.EMAIL,
    ActivityKind.MEETING,
    ActivityKind.SMS,
)


@dataclass
class PlannedOffer:
    """An offer, its units and its story: created (as a draft), sent, answered."""

    offer: Offer
    items: list[OfferItem]
    created_status: str
    answered_at: datetime | None = None


@dataclass
class PlannedContract:
    contract: Contract
    units: list[Unit]
    clients: list[Client]


@dataclass
class PlannedSurvey:
    response: SurveyResponse
    answers: list[SurveyAnswer] = field(default_factory=list)


def response_minutes(rng: random.Random) -> int:
    """How long an advisor took to answer an inquiry: mostly within the hour (the CRM
    settings' first-contact SLA), a quarter within hours, some after days."""
    draw = rng.random()
    if draw < 0.6:
        return rng.randint(3, 55)
    if draw < 0.85:
        return rng.randint(60, 240)
    return rng.randint(240, 2880)


class LeadWork:
    """What the team did on the seeder's leads, planned lead by lead from its outcome."""

    def __init__(self, seeder: DemoSeeder) -> None:
        self.seeder = seeder
        self.rng = seeder.rng
        self.end = seeder.end
        self.today = timezone.localdate(self.end)
        self.activities: list[Activity] = []
        self.events: list[LeadEvent] = []
        self.offers: list[PlannedOffer] = []
        self.reservations: list[Reservation] = []
        self.contracts: list[PlannedContract] = []
        self.surveys: list[PlannedSurvey] = []
        self.notes: list[Note] = []

    # -- planning ----------------------------------------------------------------------------

    def plan(self) -> None:
        seeder = self.seeder
        self.template = SurveyTemplate.objects.filter(active=True, is_default=True).first()
        self.questions: list[SurveyQuestion] = (
            list(self.template.questions.all()) if self.template else []
        )
        # Units nobody holds at the end of the story: what may still be offered, and what
        # past reservations (cancelled, expired) may have held for a while.
        self.free_units: dict[Investment, list[Unit]] = defaultdict(list)
        flat_m2: dict[Investment, list[float]] = defaultdict(list)
        for unit in seeder.units:
            if unit.status == UnitStatus.AVAILABLE:
                self.free_units[unit.investment].append(unit)
            if unit.kind == UnitKind.FLAT:
                flat_m2[unit.investment].append(float(unit.list_price / unit.area))
        self.price_per_m2 = {inv: sum(p) / len(p) for inv, p in flat_m2.items()}
        self.once_reserved: set[int] = set()  # id() of the units: not saved yet
        for planned in seeder.planned:
            if planned.lead.intake_outcome != IntakeOutcome.DELETED:
                self._plan_lead(planned)

    def _plan_lead(self, planned: PlannedLead) -> None:
        lead, rng = planned.lead, self.rng
        won = lead.status.is_won
        is_open = not won and lead.failed_at is None
        bound = lead.closed_at or self.end
        # When the lead reached its stage (its history row), before conversations touch it.
        moved_at, moved_by = lead.updated_at, lead.updated_by
        next_step_at = None
        if is_open and rng.random() < NEXT_STEP_SHARE:
            next_step_at = self._next_step_time(lead)
        until = bound
        if next_step_at is not None and next_step_at < self.end:
            until = next_step_at - timedelta(minutes=30)  # an overdue step was planned before
        done = self._conversations(planned, until) if planned.clients else []
        if next_step_at is not None:
            after = done[-1].created_at if done else lead.created_at
            done_or_planned = [*done, self._next_step(planned, next_step_at, after)]
        else:
            done_or_planned = done
        if is_open and done_or_planned:
            last = max(done_or_planned, key=lambda activity: activity.created_at)
            if last.created_at > lead.updated_at:
                lead._demo_moved_at, lead._demo_moved_by = moved_at, moved_by
                lead.updated_at, lead.updated_by = last.created_at, last.created_by
        if not planned.clients:
            return  # an inquiry waiting to be verified: nothing more done on it yet
        client_created = getattr(lead, "_demo_client_created_at", None)
        if client_created is not None:
            # As lead_convert_to_client records it: the response times report reads it.
            self.events.append(
                LeadEvent(lead=lead, kind=LeadEventKind.CLIENT_CREATED, at=client_created)
            )
        first_contact = done[0].done_at if done else lead.created_at
        accepted_price = None
        if lead.status.order >= self.seeder.offer_status.order:
            accepted_price = self._offers(planned, first_contact, moved_at, bound)
        self._sales(planned, moved_at, moved_by, accepted_price)
        if done and rng.random() < SURVEY_SHARE:
            self._survey(planned, done)
        if rng.random() < NOTE_SHARE:
            self._notes(planned, bound)

    # -- conversations -------------------------------------------------------------------

    def _next_step_time(self, lead: Lead) -> datetime:
        """A working-hours moment: overdue (some days ago), today, tomorrow or later."""
        rng = self.rng
        when = rng.choices(list(NEXT_STEP_WEIGHTS), weights=NEXT_STEP_WEIGHTS.values())[0]
        offset = {
            "overdue": -rng.choice((1, 1, 1, 2, 2, 3, 5, 8)),
            "today": 0,
            "tomorrow": 1,
            "later": rng.randint(2, 14),
        }[when]
        at = self._at(self.today + timedelta(days=offset))
        if at < lead.created_at + timedelta(hours=2):
            at = self._at(self.today)  # too fresh a lead to be late already
        return at

    def _at(self, day: date) -> datetime:
        moment = time(hour=self.rng.randint(8, 17), minute=self.rng.choice((0, 15, 30, 45)))
        return timezone.make_aware(datetime.combine(day, moment))

    def _conversations(self, planned: PlannedLead, until: datetime) -> list[Activity]:
        """1–6 conversations, more the further the lead got: the first one soon after the
        inquiry (response times for the reports), the others spread until `until`."""
        lead, rng = planned.lead, self.rng
        seeder = self.seeder
        start = lead.created_at
        until = max(min(until, self.end), start + timedelta(minutes=10))
        stage = (
            len(seeder.open_statuses)
            if lead.status.is_won
            else seeder.open_statuses.index(lead.status)
        )
        count = max(1, min(6, round(1 + 0.6 * stage + rng.uniform(-1, 1.2))))
        if until - start < timedelta(days=1):
            count = min(count, 2)
        client_created = getattr(lead, "_demo_client_created_at", None)
        if client_created is not None:
            # Converted from the inquiry: the first call follows the new client (the call
            # lead_convert_to_client plans).
            first = client_created + timedelta(minutes=rng.randint(2, 30))
        else:
            first = start + timedelta(minutes=response_minutes(rng))
        first = min(first, start + (until - start) * rng.uniform(0.1, 0.6))
        if client_created is not None:
            # Never before the client it follows, however early the cap above fell.
            first = max(first, client_created)
        moments = [first, *sorted(seeder._moment(first, until) for _ in range(count - 1))]
        late = stage >= len(seeder.open_statuses) // 2
        weights = data.LATE_CONVERSATION_WEIGHTS if late else data.EARLY_CONVERSATION_WEIGHTS
        kinds = [
            (kind, weight)
            for kind, weight in zip(CONVERSATION_KINDS, weights, strict=True)
            if (lead.contact_phone or kind not in (ActivityKind.PHONE, ActivityKind.SMS))
            and (lead.contact_email or kind != ActivityKind.EMAIL)
        ]
        activities = []
        for index, done_at in enumerate(moments):
            if index == 0:
                kind = ActivityKind.PHONE if lead.contact_phone else ActivityKind.EMAIL
            else:
                kind = rng.choices([k for k, _w in kinds], weights=[w for _k, w in kinds])[0]
            employee = self._employee(planned)
            inbound = rng.random() < (0.1 if index == 0 else 0.25)
            notes = rng.choice(data.CONVERSATION_NOTES[kind]) if rng.random() < 0.9 else ""
            activity = Activity(
                lead=lead,
                client=rng.choice(planned.clients),
                employee=employee,
                kind=kind,
                direction=ActivityDirection.INBOUND if inbound else ActivityDirection.OUTBOUND,
                # A meeting is arranged ahead; a call or an email is just logged.
                planned_at=done_at if kind == ActivityKind.MEETING else None,
                done_at=done_at,
                duration_minutes=self._duration(kind),
                notes=notes.format(investment=planned.investments[0].name),
                created_at=min(done_at + timedelta(minutes=rng.randint(1, 30)), self.end),
                created_by=employee,
            )
            activities.append(activity)
        self.activities.extend(activities)
        firsts: dict[str, datetime] = {}
        for activity in activities:
            firsts.setdefault(activity.kind, activity.done_at)
        self.events.extend(
            LeadEvent(lead=lead, kind=FIRST_EVENT_OF_KIND[kind], at=at)
            for kind, at in firsts.items()
        )
        return activities

    def _duration(self, kind: str) -> int | None:
        if kind == ActivityKind.PHONE:
            return self.rng.randint(1, 20)
        if kind == ActivityKind.MEETING:
            return self.rng.choice((30, 45, 60, 90))
        return None

    def _employee(self, planned: PlannedLead) -> User:
        if len(planned.employees) == 1 or self.rng.random() < 0.8:
            return planned.employees[0]
        return self.rng.choice(planned.employees)

    def _next_step(self, planned: PlannedLead, planned_at: datetime, after: datetime) -> Activity:
        """The one conversation planned next, by the lead's advisor, planned when the last
        one was logged (or when the inquiry came)."""
        lead, rng = planned.lead, self.rng
        if not planned.clients:
            kind = ActivityKind.PHONE if lead.contact_phone else ActivityKind.EMAIL
        elif lead.contact_phone:
            kind = rng.choices(CONVERSATION_KINDS, weights=(60, 10, 25, 5))[0]
        else:
            kind = rng.choice((ActivityKind.EMAIL, ActivityKind.MEETING))
        employee = planned.employees[0]
        created_at = min(after + timedelta(minutes=rng.randint(1, 20)), self.end, planned_at)
        activity = Activity(
            lead=lead,
            client=planned.clients[0] if planned.clients else None,
            employee=employee,
            kind=kind,
            planned_at=planned_at,
            notes=rng.choice(data.NEXT_STEP_NOTES[kind]),
            created_at=created_at,
            created_by=employee,
        )
        self.activities.append(activity)
        return activity

    # -- offers, reservations and contracts ----------------------------------------------

    def _offers(
        self, planned: PlannedLead, first_contact: datetime, moved_at: datetime, bound: datetime
    ) -> Decimal | None:
        """One or two offers of units of the lead's investments; the last one holds the unit
        the lead reserved or bought. Returns the price the client accepted for that unit."""
        lead, rng = planned.lead, self.rng
        own: Unit | None = getattr(lead, "_demo_unit", None)
        pool = [
            unit
            for investment in planned.investments
            for unit in self.free_units[investment]
            if unit is not own
        ]
        wanted = [unit for unit in pool if unit.kind == lead._demo_kind] or pool
        count = 1 if rng.random() < 0.7 else 2
        # The first offer moved the lead to "Oferta" (or it came on the way further).
        latest = min(max(moved_at, first_contact + timedelta(hours=1)), bound)
        created = self.seeder._moment(first_contact, latest)
        accepted_price = None
        for index in range(count):
            last = index == count - 1
            units = rng.sample(wanted, min(len(wanted), rng.choices((1, 2, 3), (60, 30, 10))[0]))
            if last and own is not None:
                units = [own, *units[:1]]
            if not units:
                return None
            status = self._offer_status(lead, last=last, own=own)
            planned_offer = self._offer(planned, units, status, created, bound)
            if status == OfferStatus.ACCEPTED and own is not None:
                accepted_price = planned_offer.items[0].price
            created = self.seeder._moment(created, bound)
        return accepted_price

    def _offer_status(self, lead: Lead, *, last: bool, own: Unit | None) -> str:
        rng = self.rng
        if not last:
            return OfferStatus.REJECTED if rng.random() < 0.3 else OfferStatus.SENT
        if lead.status.is_won and own is not None:
            return OfferStatus.ACCEPTED
        if own is not None:
            return OfferStatus.ACCEPTED if rng.random() < 0.6 else OfferStatus.SENT
        if lead.failed_at is not None:
            return OfferStatus.REJECTED if rng.random() < 0.4 else OfferStatus.SENT
        if lead.status == self.seeder.offer_status and rng.random() < 0.3:
            return OfferStatus.DRAFT
        return OfferStatus.SENT

    def _offer(
        self,
        planned: PlannedLead,
        units: list[Unit],
        status: str,
        created: datetime,
        bound: datetime,
    ) -> PlannedOffer:
        rng = self.rng
        sent_at = answered_at = None
        channel = ""
        if status != OfferStatus.DRAFT:
            sent_at = min(created + timedelta(minutes=rng.randint(10, 1440)), bound)
            channel = rng.choices(
                list(data.OFFER_CHANNEL_WEIGHTS), weights=data.OFFER_CHANNEL_WEIGHTS.values()
            )[0]
        if status in (OfferStatus.ACCEPTED, OfferStatus.REJECTED):
            answered_at = min(sent_at + timedelta(hours=rng.uniform(2, 120)), bound)
        offer = Offer(
            lead=planned.lead,
            client=planned.clients[0],
            status=status,
            valid_until=timezone.localdate(created) + timedelta(days=OFFER_VALID_DAYS),
            sent_at=sent_at,
            channel=channel,
            notes=rng.choice(data.OFFER_NOTES),
            created_at=created,
            created_by=planned.employees[0],
        )
        items = [
            OfferItem(offer=offer, unit=unit, list_price=unit.list_price, price=self._price(unit))
            for unit in units
        ]
        planned_offer = PlannedOffer(offer, items, status, answered_at)
        self.offers.append(planned_offer)
        return planned_offer

    def _price(self, unit: Unit) -> Decimal:
        """The list price, or now and then 1–5 % off it, in round hundreds (rounded up:
        never more than 5 % off, even for a storage room)."""
        if self.rng.random() < 0.75:
            return unit.list_price
        discounted = float(unit.list_price) * (1 - self.rng.uniform(0.01, 0.05))
        return Decimal(math.ceil(discounted / 100) * 100)

    def _sales(
        self,
        planned: PlannedLead,
        moved_at: datetime,
        moved_by: User,
        accepted_price: Decimal | None,
    ) -> None:
        """The reservation or contract behind the unit the seeder reserved or sold for the
        lead, and the cancelled or expired reservations of leads that failed at that stage."""
        lead, rng = planned.lead, self.rng
        seeder = self.seeder
        days = seeder.reservation_days
        own: Unit | None = getattr(lead, "_demo_unit", None)
        if own is not None and own.status == UnitStatus.RESERVED:
            self._reservation(planned, own, moved_at, moved_by, ReservationStatus.ACTIVE)
        elif own is not None and own.status == UnitStatus.SOLD:
            if rng.random() < 0.6:  # most buyers reserved first; the contract converted it
                reserved_at = lead.closed_at - timedelta(days=rng.uniform(1, days - 0.5))
                if reserved_at > lead.created_at + timedelta(hours=2):
                    self._reservation(
                        planned, own, reserved_at, moved_by, ReservationStatus.CONVERTED
                    )
            self._contract(planned, own, moved_by, accepted_price)
        elif lead.failed_at is not None and lead.status == seeder.reservation_status:
            free = [
                unit
                for unit in self.free_units[planned.investments[0]]
                if id(unit) not in self.once_reserved
            ]
            if free:
                unit = rng.choice([u for u in free if u.kind == lead._demo_kind] or free)
                self.once_reserved.add(id(unit))
                expired = rng.random() < 0.3
                status = ReservationStatus.EXPIRED if expired else ReservationStatus.CANCELLED
                spent = rng.uniform(days + 1, days + 20) if expired else rng.uniform(0.5, days - 1)
                reserved_at = max(
                    lead.failed_at - timedelta(days=spent),
                    lead.created_at + timedelta(hours=2),
                )
                self._reservation(planned, unit, reserved_at, lead.updated_by, status)

    def _reservation(
        self, planned: PlannedLead, unit: Unit, created: datetime, user: User, status: str
    ) -> None:
        lead, seeder = planned.lead, self.seeder
        reserved_until = timezone.localdate(created) + timedelta(days=seeder.reservation_days)
        ended_at = None
        if status == ReservationStatus.CONVERTED:
            ended_at = lead.closed_at
        elif status == ReservationStatus.CANCELLED:
            ended_at = lead.failed_at  # lead_mark_failed released it
        elif status == ReservationStatus.EXPIRED:
            # The morning sweep after its last day; the lead failed later.
            sweep = timezone.make_aware(
                datetime.combine(reserved_until + timedelta(days=1), time(6, 0))
            )
            if not created < sweep < lead.failed_at:
                status, ended_at = ReservationStatus.CANCELLED, lead.failed_at
            else:
                ended_at = sweep
        reservation = Reservation(
            lead=lead,
            client=planned.clients[0],
            unit=unit,
            reserved_until=reserved_until,
            fee=self.rng.choice(data.RESERVATION_FEES),
            status=status,
            ended_at=ended_at,
            created_at=created,
            created_by=user,
        )
        self.reservations.append(reservation)
        if status != ReservationStatus.ACTIVE:
            # The unit was reserved for a while; an active reservation's change is the
            # seeder's own (taken with the lead's stage).
            seeder.unit_changes.append((unit, created, user, UnitStatus.RESERVED))
        if status in (ReservationStatus.CANCELLED, ReservationStatus.EXPIRED):
            who = user if status == ReservationStatus.CANCELLED else None
            seeder.unit_changes.append((unit, ended_at, who, UnitStatus.AVAILABLE))

    def _contract(
        self, planned: PlannedLead, unit: Unit, user: User, accepted_price: Decimal | None
    ) -> None:
        lead, rng = planned.lead, self.rng
        kind = ContractKind.DEVELOPER if rng.random() < 0.7 else ContractKind.PRELIMINARY
        contract = Contract(
            lead=lead,
            kind=kind,
            signed_at=timezone.localdate(lead.closed_at),
            price=accepted_price or self._price(unit),
            created_at=lead.closed_at,
            created_by=user,
        )
        self.contracts.append(PlannedContract(contract, [unit], list(planned.clients)))

    # -- surveys and notes ---------------------------------------------------------------

    def _survey(self, planned: PlannedLead, done: list[Activity]) -> None:
        """The purchase survey, filled during one of the first conversations."""
        if not self.questions:
            return
        rng = self.rng
        during = rng.choice(done[:2])
        response = SurveyResponse(
            lead=planned.lead,
            template=self.template,
            filled_at=during.created_at,
            filled_by=during.employee,
        )
        rooms = rng.choices(
            list(data.FLAT_ROOMS_WEIGHTS), weights=data.FLAT_ROOMS_WEIGHTS.values()
        )[0]
        area = rng.randint(*data.FLAT_AREA_BY_ROOMS[rooms])
        per_m2 = self.price_per_m2.get(planned.investments[0], 10000.0)
        budget = round(area * per_m2 * rng.uniform(0.85, 1.1), -4)
        survey = PlannedSurvey(response)
        for question in self.questions:
            if not question.required and rng.random() < 0.3:
                continue
            value = self._answer(question, rooms=rooms, area=area, budget=budget)
            text = survey_answer_text(question=question, value=value)  # as the form stores it
            if text:
                answer = SurveyAnswer(response=response, question=question, value=text)
                survey.answers.append(answer)
        self.surveys.append(survey)

    def _answer(self, question: SurveyQuestion, *, rooms: int, area: int, budget: float):
        rng, text = self.rng, question.text.lower()
        if question.kind == "number":
            if "budżet" in text:
                return int(budget)
            if "powierzchnia" in text:
                return area
            return rng.randint(1, 10)
        if question.kind == "yes_no":
            return rng.choice((True, False))
        if question.kind == "text":
            return rng.choice(data.SURVEY_TEXT_ANSWERS)
        choices = question.choice_list
        if question.kind == "multiple":
            return rng.sample(choices, min(len(choices), rng.choice((1, 1, 2))))
        if "pokoi" in text:
            return choices[min(rooms, len(choices)) - 1]
        weights = next((w for word, w in data.SURVEY_CHOICE_WEIGHTS.items() if word in text), {})
        return rng.choices(choices, weights=[weights.get(c, 10) for c in choices])[0]

    def _notes(self, planned: PlannedLead, bound: datetime) -> None:
        lead, rng = planned.lead, self.rng
        texts = rng.sample(data.NOTE_TEXTS, rng.choice((1, 1, 2)))
        for text in texts:
            author = planned.employees[0]
            if rng.random() < 0.1:
                author, text = self.seeder.manager, rng.choice(data.MANAGER_NOTE_TEXTS)
            created = self.seeder._moment(lead.created_at, bound)
            self.notes.append(Note(lead=lead, text=text, created_at=created, created_by=author))

    # -- writing -------------------------------------------------------------------------

    def save(self) -> None:
        """Bulk inserts once the leads, clients and units have their ids; each object's
        history from its creation, then each change of its status."""
        Activity.objects.bulk_create(self.activities, batch_size=500)
        record_history(Activity, [(a, a.created_at, a.created_by) for a in self.activities])
        LeadEvent.objects.bulk_create(self.events, batch_size=500)
        self._save_offers()
        self._save_sales()
        SurveyResponse.objects.bulk_create([survey.response for survey in self.surveys])
        SurveyAnswer.objects.bulk_create(
            [answer for survey in self.surveys for answer in survey.answers], batch_size=500
        )
        Note.objects.bulk_create(self.notes, batch_size=500)
        record_history(Note, [(note, note.created_at, note.created_by) for note in self.notes])

    def _save_offers(self) -> None:
        offers = [planned.offer for planned in self.offers]
        Offer.objects.bulk_create(offers, batch_size=500)
        OfferItem.objects.bulk_create(
            [item for planned in self.offers for item in planned.items], batch_size=500
        )
        created, changed = [], []
        for planned in self.offers:
            offer = planned.offer
            draft = copy.copy(offer)
            draft.status, draft.sent_at, draft.channel = OfferStatus.DRAFT, None, ""
            created.append((draft, offer.created_at, offer.created_by))
            if offer.sent_at is not None:
                sent = copy.copy(offer)
                sent.status = OfferStatus.SENT
                changed.append((sent, offer.sent_at, offer.created_by))
            if planned.answered_at is not None:
                changed.append((offer, planned.answered_at, offer.created_by))
        record_history(Offer, created)
        record_history(Offer, changed, update=True)

    def _save_sales(self) -> None:
        Reservation.objects.bulk_create(self.reservations)
        contracts = sorted(self.contracts, key=lambda planned: planned.contract.created_at)
        numbers: dict[tuple[str, int], int] = defaultdict(int)
        for planned in contracts:
            contract = planned.contract
            key = (contract.kind, contract.signed_at.year)
            numbers[key] += 1
            prefix = data.CONTRACT_NUMBER_PREFIXES.get(contract.kind, "U")
            contract.number = f"{prefix}/{contract.signed_at.year}/{numbers[key]:03d}"
        Contract.objects.bulk_create([planned.contract for planned in contracts])
        unit_links = Contract.units.through.objects.bulk_create(
            Contract.units.through(contract_id=p.contract.pk, unit_id=unit.pk)
            for p in contracts
            for unit in p.units
        )
        client_links = Contract.clients.through.objects.bulk_create(
            Contract.clients.through(contract_id=p.contract.pk, client_id=client.pk)
            for p in contracts
            for client in p.clients
        )
        holds = [
            UnitHold(unit=r.unit, reservation=r, since=r.created_at)
            for r in self.reservations
            if r.status == ReservationStatus.ACTIVE
        ]
        holds += [
            UnitHold(unit=unit, contract=p.contract, since=p.contract.created_at)
            for p in contracts
            for unit in p.units
        ]
        UnitHold.objects.bulk_create(holds)

        opened, ended = [], []
        for reservation in self.reservations:
            snapshot = copy.copy(reservation)
            snapshot.status, snapshot.ended_at = ReservationStatus.ACTIVE, None
            opened.append((snapshot, reservation.created_at, reservation.created_by))
            if reservation.ended_at is not None:
                expired = reservation.status == ReservationStatus.EXPIRED
                who = None if expired else reservation.created_by
                ended.append((reservation, reservation.ended_at, who))
        record_history(Reservation, opened)
        record_history(Reservation, ended, update=True)
        signed = [planned.contract for planned in contracts]
        rows = record_history(Contract, [(c, c.created_at, c.created_by) for c in signed])
        # The contract's snapshot holds its units and clients, as m2m_changed would write.
        snapshot_of = {row.id: row for row in rows}
        history = Contract.history.model
        for name, links, column in (
            ("units", unit_links, "unit_id"),
            ("clients", client_links, "client_id"),
        ):
            m2m_history = getattr(history, name).model
            m2m_history.objects.bulk_create(
                m2m_history(
                    id=link.pk,
                    history=snapshot_of[link.contract_id],
                    contract_id=link.contract_id,
                    **{column: getattr(link, column)},
                )
                for link in links
            )

    def summary(self) -> dict[str, int]:
        done = sum(1 for activity in self.activities if activity.done_at is not None)
        return {
            "conversations": done,
            "next steps": len(self.activities) - done,
            "offers": len(self.offers),
            "reservations": len(self.reservations),
            "contracts": len(self.contracts),
            "surveys": len(self.surveys),
            "notes": len(self.notes),
        }
