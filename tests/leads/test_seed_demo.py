"""manage.py seed_demo: a coherent demo data set, created once however often it is run."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F, Sum
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from stdnum.pl import nip, regon

from clients.models import Client, ClientKind, Contractor, LeadSource
from clients.services import source_rotate_intake_token
from consents.models import Action, ConsentEvent, ConsentState, Kind, Source, Suppression
from crm.core.models import Branch, Role, User
from crm.core.normalization import fold_name, normalize_email, normalize_phone
from crm.core.services import ROLE_GROUPS
from investments.models import Investment, Unit, UnitKind, UnitStatus
from leads.models import (
    Activity,
    AssignmentRule,
    Contract,
    ContractKind,
    IntakeOutcome,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
    Note,
    Offer,
    OfferItem,
    OfferStatus,
    Reservation,
    ReservationStatus,
    SurveyAnswer,
    SurveyResponse,
    SurveyTemplate,
    UnitHold,
)
from leads.selectors import leads_visible_to
from leads.selectors.conversations import leads_without_next_step_ids, my_day
from leads.services.conversations import FIRST_EVENT_OF_KIND
from leads.services.surveys import survey_answer_text
from settings_app.selectors import crm_settings

LOGINS = {
    "administrator": ("lejek-admin-2026", Role.ADMINISTRATOR),
    "kierownik": ("lejek-kierownik-2026", Role.MANAGER),
    "doradca1": ("lejek-doradca-2026", Role.ADVISOR),
    "doradca2": ("lejek-doradca-2026", Role.ADVISOR),
    "doradca3": ("lejek-doradca-2026", Role.ADVISOR),
}


def seed_demo(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@dataclass
class SeedRuns:
    output: str  # the second run's, whose data the tests read
    fingerprints: list[dict]
    statements: list[int]  # SQL statements of each run


@pytest.fixture(scope="module")
def seed_runs(django_db_setup, django_db_blocker):
    """Seed twice for the whole module, inside a transaction rolled back when the module is
    done: the first run in a savepoint rolled back at once (to compare with the second,
    for determinism), the second kept for every test here, which only reads the data
    (anything a test writes is rolled back to a savepoint by pytest-django as usual)."""
    fingerprints, statements = [], []

    def counted(execute, sql, params, many, context):
        statements[-1] += 1
        return execute(sql, params, many, context)

    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True):  # the command refuses to seed with DEBUG off
            for run in range(2):
                with transaction.atomic():
                    statements.append(0)
                    with connection.execute_wrapper(counted):
                        output = seed_demo()
                    fingerprints.append(fingerprint())
                    if run == 0:
                        transaction.set_rollback(True)
        yield SeedRuns(output, fingerprints, statements)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def seeded(seed_runs):
    return seed_runs.output


WORK_MODELS = (Activity, LeadEvent, Offer, OfferItem, Reservation, Contract, UnitHold, Note)
WORK_MODELS += (SurveyResponse, SurveyAnswer, ConsentEvent, ConsentState)
UNVERIFIED_INQUIRIES = 8


def table_counts() -> dict[str, int]:
    models = (Branch, User, Investment, Unit, Client, Contractor, Lead, *WORK_MODELS)
    counts = {model.__name__: model.objects.count() for model in models}
    for name in ("clients", "contractors", "investments", "employees"):
        counts[f"Lead.{name}"] = getattr(Lead, name).through.objects.count()
    for model in (Client, Contractor, Unit, Lead, Activity, Offer, Reservation, Contract, Note):
        counts[f"{model.__name__}.history"] = model.history.count()
    return counts


def fingerprint() -> dict:
    """What two runs of the same seed must share: every count, and values that do not
    depend on the database's ids."""
    return {
        "counts": table_counts(),
        "leads": list(
            Lead.objects.order_by("created_at", "name").values_list(
                "created_at", "updated_at", "name", "status__slug", "external_id"
            )
        ),
        "activities": list(
            Activity.objects.order_by("created_at", "kind", "planned_at", "done_at").values_list(
                "created_at", "kind", "planned_at", "done_at", "employee__username", "notes"
            )
        ),
        "offered": OfferItem.objects.aggregate(Sum("price"), Sum("list_price")),
        "contracts": list(Contract.objects.order_by("number").values_list("number", "price")),
        "reserved": sorted(
            Reservation.objects.values_list("unit__investment__code", "unit__number", "status")
        ),
        "answers": sorted(SurveyAnswer.objects.values_list("question__text", "value")),
        # The channels' evidence names their raw log entry by its id.
        "consents": [
            (*event[:4], {key: value for key, value in event[4].items() if key != "raw_message"})
            + event[5:]
            for event in ConsentEvent.objects.order_by("at", "kind", "action").values_list(
                "at", "kind", "action", "source", "evidence", "note"
            )
        ],
    }


def test_seed_demo_prints_the_demo_logins(seeded, db):
    assert "Created demo data" in seeded
    for username, (password, role) in LOGINS.items():
        assert any(line.split() == [username, password, role] for line in seeded.splitlines()), (
            username
        )
    assert "Done in" in seeded


def test_seed_demo_creates_one_branch_with_its_team_in_role_groups(seeded, db):
    branch = Branch.objects.get(name="Poznań Centrum")
    users = {user.username: user for user in User.objects.filter(branch=branch)}
    assert set(users) == set(LOGINS)
    for username, (password, role) in LOGINS.items():
        user = users[username]
        assert user.role == role
        assert [group.name for group in user.groups.all()] == [ROLE_GROUPS[role]]
        assert user.is_staff == (role == Role.ADMINISTRATOR)
        validate_password(password, user=user)  # the printed passwords are acceptable ones


def test_demo_advisor_can_log_in_with_the_printed_password(seeded, db, client):
    assert client.login(username="doradca2", password="lejek-doradca-2026")


def test_seed_demo_creates_investments_with_realistically_priced_units(seeded, db):
    assert Investment.objects.count() == 5
    units = list(Unit.objects.select_related("investment"))
    assert len(units) == 200
    assert {unit.kind for unit in units} == set(UnitKind.values)
    assert {unit.status for unit in units} == set(UnitStatus.values)
    flats = [unit for unit in units if unit.kind == UnitKind.FLAT]
    assert len(flats) > 100
    assert all(8_000 <= unit.price_per_m2 <= 16_000 for unit in flats)
    assert all(1 <= unit.rooms <= 5 and unit.floor >= 0 for unit in flats)


def test_demo_clients_are_valid_and_their_lookup_columns_match_normalization(seeded, db):
    clients = list(Client.objects.select_related("caretaker", "branch"))
    assert len(clients) == 200
    for client in clients:
        assert client.email or client.phone
        assert client.email_normalized == normalize_email(client.email)
        assert client.phone_e164 == normalize_phone(client.phone)
        assert client.first_name_folded == fold_name(client.first_name)
        assert client.last_name_folded == fold_name(client.last_name)
        assert client.caretaker.role == Role.ADVISOR
        assert client.branch.name == "Poznań Centrum"
        assert client.source_id is not None
    assert any(not client.email for client in clients)
    assert any(not client.phone for client in clients)
    assert any(client.email != client.email_normalized for client in clients)
    assert any(client.last_name_folded != client.last_name.lower() for client in clients)
    assert len({client.phone_e164 for client in clients if client.phone}) == sum(
        1 for client in clients if client.phone
    )
    companies = [client for client in clients if client.kind == ClientKind.COMPANY]
    assert companies and all(client.company_name for client in companies)
    assert any(client.failed and client.failed_at for client in clients)


def channel_leads():
    """The leads the demo's channels brought (intake/demo.py), beside the 500 of the story."""
    return Lead.objects.filter(raw_messages__isnull=False).distinct().values("pk")


def test_demo_consents_are_a_register_of_several_kinds_with_evidence(seeded, db):
    # The channels' part of the demo (intake/demo.py) records as the channels do, at the
    # moment it is seeded: tests/intake tell its story.
    events = ConsentEvent.objects.exclude(lead__in=channel_leads())
    for kind in (Kind.INQUIRY, Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE, Kind.MARKETING_SMS):
        assert events.filter(kind=kind, action=Action.GIVEN).exists(), kind
    assert events.filter(action=Action.WITHDRAWN).exists()
    objected = events.filter(action=Action.OBJECTED).values_list("client", flat=True)
    assert 1 <= len(set(objected)) <= 2 and Suppression.objects.count() >= len(set(objected))
    # Every inquiry records its basis; the form's marketing carries its proof.
    inquiries = Lead.objects.exclude(external_id="").exclude(pk__in=channel_leads())
    basis = events.filter(kind=Kind.INQUIRY, lead__isnull=False)
    assert set(basis.values_list("lead", flat=True)) == set(inquiries.values_list("pk", flat=True))
    form = events.filter(kind=Kind.MARKETING_EMAIL, source=Source.PUBLIC_FORM)
    assert form.exists()
    for event in form:
        assert event.evidence["url"].startswith("https://")
        assert event.evidence["ip"].startswith("203.0.113.")
        assert event.evidence["user_agent"].startswith("Mozilla/5.0")
    assert not events.filter(kind__startswith="marketing", source=Source.PORTAL).exists()
    combinations = defaultdict(set)
    for client_id, kind in events.filter(
        kind__startswith="marketing", action=Action.GIVEN, client__isnull=False
    ).values_list("client", "kind"):
        combinations[client_id].add(kind)
    assert len({frozenset(kinds) for kinds in combinations.values()}) >= 4
    # Inquiries still waiting for a client keep their consents on the lead.
    waiting = ConsentState.objects.filter(client__isnull=True, lead__intake_outcome="new").exclude(
        lead__in=channel_leads()
    )
    assert waiting.filter(kind=Kind.INQUIRY).count() == UNVERIFIED_INQUIRIES
    assert events.filter(recorded_at=F("at")).count() == events.count()


def test_demo_consent_states_are_the_newest_event_of_each_person_and_kind(seeded, db):
    newest = {}
    for event in ConsentEvent.objects.order_by("at", "id"):
        person = ("client", event.client_id) if event.client_id else ("lead", event.lead_id)
        newest[(person, event.kind)] = event
    states = {
        (("client", s.client_id) if s.client_id else ("lead", s.lead_id), s.kind): s
        for s in ConsentState.objects.all()
    }
    assert states.keys() == newest.keys()
    for key, state in states.items():
        assert state.event_id == newest[key].pk
        assert state.granted == (newest[key].action == Action.GIVEN)
    assert ConsentState.objects.filter(granted=False, kind=Kind.MARKETING_EMAIL).exists()


def test_demo_contractors_have_valid_nip_regon_and_krs(seeded, db):
    contractors = list(Contractor.objects.all())
    assert len(contractors) == 10
    for contractor in contractors:
        assert nip.is_valid(contractor.nip), contractor.nip
        assert regon.is_valid(contractor.regon), contractor.regon
        assert contractor.krs.isdigit() and len(contractor.krs) == 10
        assert contractor.phone_e164


def test_demo_leads_cover_the_pipeline_and_everyone_can_see_their_own(seeded, db):
    leads = list(
        Lead.objects.exclude(pk__in=channel_leads())
        .select_related("status")
        .prefetch_related("clients", "contractors", "investments")
    )
    assert len(leads) == 500
    assert not Lead.objects.filter(employees__isnull=True).exists()
    assert {lead.status_id for lead in leads} == set(
        LeadStatus.objects.values_list("pk", flat=True)
    )
    assert {lead.source_id for lead in leads} == set(
        LeadSource.objects.values_list("pk", flat=True)
    )
    assert {lead.intake_outcome for lead in leads} == set(IntakeOutcome.values)
    now = timezone.now()
    for lead in leads:
        assert now - timedelta(days=550) < lead.created_at <= lead.updated_at <= now
        assert lead.created_by_id and lead.updated_by_id
        assert lead.contact_email or lead.contact_phone
        assert len(lead.contractors.all()) <= 1
        if lead.is_deleted:
            assert lead.deletion_reason_id and not lead.clients.all()
        elif not lead.clients.all():
            # A fresh inquiry, still waiting for its advisor to link or create a client.
            assert lead.intake_outcome == IntakeOutcome.NEW
            assert now - lead.created_at < timedelta(days=3)
        else:
            # A lead with its client is verified: linked, or converted from its inquiry.
            assert lead.intake_outcome in (IntakeOutcome.LINKED, IntakeOutcome.CONVERTED)
            assert 1 <= len(lead.clients.all()) <= 2
            assert 1 <= len(lead.investments.all()) <= 2
        if lead.is_failed:
            assert lead.failure_reason_id and lead.closed_at == lead.failed_at
        if lead.status.is_won:
            assert lead.closed_at and not lead.is_failed
        if lead.closed_at:
            assert lead.created_at < lead.closed_at <= now
    assert sum(lead.is_failed for lead in leads) >= 25
    assert sum(lead.status.is_won for lead in leads) >= 10
    for advisor in User.objects.filter(role=Role.ADVISOR):
        assert leads_visible_to(advisor).exists()
    manager = User.objects.get(username="kierownik")
    assert leads_visible_to(manager).count() == 500 + channel_leads().count()


def test_demo_repeat_leads_are_those_of_clients_with_an_earlier_lead(seeded, db):
    created = dict(Lead.objects.values_list("pk", "created_at"))
    leads_of_client = defaultdict(list)
    clients_of_lead = defaultdict(list)
    for lead_id, client_id in Lead.clients.through.objects.values_list("lead_id", "client_id"):
        leads_of_client[client_id].append(lead_id)
        clients_of_lead[lead_id].append(client_id)
    repeat = set(Lead.objects.filter(is_repeat=True).values_list("pk", flat=True))
    assert repeat
    for lead_id, client_ids in clients_of_lead.items():
        has_earlier = any(
            created[other] < created[lead_id]
            for client_id in client_ids
            for other in leads_of_client[client_id]
        )
        assert has_earlier == (lead_id in repeat), lead_id


def test_running_seed_demo_again_changes_nothing(seeded, db, settings):
    settings.DEBUG = True
    before = table_counts()
    output = seed_demo()
    assert table_counts() == before
    assert "already exist" in output
    assert "lejek-kierownik-2026" in output


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    users = User.objects.count()
    with pytest.raises(CommandError, match="DEBUG"):
        seed_demo()
    assert User.objects.count() == users


# -- working the leads ----------------------------------------------------------------------


def test_seed_demo_gives_the_same_data_twice_and_stays_fast(seed_runs, db):
    first, second = seed_runs.fingerprints
    assert first["counts"] == second["counts"]
    assert first == second
    assert all(count > 0 for count in second["counts"].values()), second["counts"]
    # Its speed as a budget of SQL statements: the seeder works through the services, about
    # 30 statements per lead (15 200 for the 500: Django checks each of a lead's check
    # constraints with a query of its own when the services full_clean() it, the archive's
    # included), and the channels' 16 arrivals through their readers and lead_receive (about
    # 550, intake/demo.py). A per-row query added to a service
    # shows here; seconds do not belong in a test (they vary with the machine and the tests
    # beside it: 20 s alone, 36 s beside another test process on this session's machine).
    assert max(seed_runs.statements) <= SEED_STATEMENTS, seed_runs.statements


SEED_STATEMENTS = 15_900


def test_every_reserved_unit_has_one_active_reservation_of_its_reserving_lead(seeded, db):
    reserved = list(Unit.objects.filter(status=UnitStatus.RESERVED))
    assert len(reserved) >= 10
    days = crm_settings().reservation_days
    today = timezone.localdate()
    for unit in reserved:
        reservation = Reservation.objects.select_related("lead__status", "created_by").get(
            unit=unit, status=ReservationStatus.ACTIVE
        )
        hold = UnitHold.objects.get(unit=unit)
        assert hold.reservation_id == reservation.pk and hold.contract_id is None
        lead = reservation.lead
        assert lead.status.slug == "rezerwacja-wstepna"
        assert lead.failed_at is None and not lead.is_deleted
        assert today < reservation.reserved_until <= today + timedelta(days=days)
        assert reservation.created_by.role == Role.ADVISOR
        assert lead.employees.filter(pk=reservation.created_by_id).exists()
        assert lead.investments.filter(pk=unit.investment_id).exists()
        assert reservation.client_id in set(lead.clients.values_list("pk", flat=True))
        assert reservation.ended_at is None


def test_every_sold_unit_is_held_by_a_contract_of_a_won_lead(seeded, db):
    sold = list(Unit.objects.filter(status=UnitStatus.SOLD))
    assert len(sold) >= 10
    for unit in sold:
        hold = UnitHold.objects.select_related("contract__lead__status").get(unit=unit)
        contract = hold.contract
        assert contract is not None and hold.reservation_id is None
        assert contract.kind in (ContractKind.DEVELOPER, ContractKind.PRELIMINARY)
        assert contract.lead.status.is_won and not contract.is_cancelled
        assert list(contract.units.all()) == [unit]
        assert set(contract.clients.all()) == set(contract.lead.clients.all())
        assert contract.signed_at == timezone.localdate(contract.lead.closed_at)
        assert abs(contract.price - unit.list_price) <= unit.list_price * Decimal("0.05")
        assert contract.number
    assert not Reservation.objects.filter(
        status=ReservationStatus.ACTIVE, unit__status=UnitStatus.SOLD
    ).exists()
    won = Lead.objects.filter(status__is_won=True)
    assert not won.filter(contracts__isnull=True).exists()


def test_holds_match_the_units_state_and_have_a_reason(seeded, db):
    assert not UnitHold.objects.filter(reservation__isnull=True, contract__isnull=True).exists()
    assert not UnitHold.objects.filter(unit__status=UnitStatus.AVAILABLE).exists()
    held = UnitHold.objects.count()
    assert held == Unit.objects.exclude(status=UnitStatus.AVAILABLE).count()
    assert (
        not UnitHold.objects.exclude(reservation__isnull=True)
        .exclude(reservation__status=ReservationStatus.ACTIVE)
        .exists()
    )
    # Past reservations (turned into contracts, cancelled, expired) were ended and freed.
    ended = Reservation.objects.exclude(status=ReservationStatus.ACTIVE)
    assert ended.exists() and not ended.filter(ended_at__isnull=True).exists()
    assert not ended.filter(hold__isnull=False).exists()


def test_units_history_shows_their_reservations_and_sales(seeded, db):
    for unit in Unit.objects.exclude(status=UnitStatus.AVAILABLE)[:20]:
        statuses = list(unit.history.order_by("history_date").values_list("status", flat=True))
        assert statuses[0] == UnitStatus.AVAILABLE and statuses[-1] == unit.status


def test_demo_conversations_are_done_in_the_past_or_planned_ahead(seeded, db):
    now = timezone.now()
    activities = list(Activity.objects.select_related("lead", "employee"))
    assert len(activities) > 1000
    for activity in activities:
        assert activity.employee.role == Role.ADVISOR
        if activity.done_at is None:
            assert activity.planned_at is not None
            assert activity.created_at <= activity.planned_at
        else:
            assert activity.lead.created_at <= activity.done_at <= now
            if activity.lead.closed_at:
                assert activity.done_at <= activity.lead.closed_at
    planned = [activity for activity in activities if activity.done_at is None]
    assert not any(activity.done_at for activity in planned)
    assert {a.kind for a in activities if a.done_at} >= {"phone", "email", "meeting", "sms"}


def test_verified_leads_have_one_to_six_conversations_and_open_ones_one_next_step(seeded, db):
    done, planned = defaultdict(int), defaultdict(int)
    for lead_id, done_at in Activity.objects.values_list("lead_id", "done_at"):
        (planned if done_at is None else done)[lead_id] += 1
    verified = Lead.objects.exclude(intake_outcome=IntakeOutcome.DELETED).filter(
        clients__isnull=False
    )
    for lead_id in verified.distinct().values_list("pk", flat=True):
        assert 1 <= done[lead_id] <= 6, lead_id
    assert all(count == 1 for count in planned.values())
    open_ids = set(Lead.objects.open().values_list("pk", flat=True))
    assert set(planned) <= open_ids
    without = len(open_ids - set(planned))
    assert 0.05 * len(open_ids) <= without <= 0.3 * len(open_ids)
    deleted = Lead.objects.filter(intake_outcome=IntakeOutcome.DELETED)
    assert not Activity.objects.filter(lead__in=deleted).exists()


def test_each_demo_advisor_has_a_lively_day(seeded, db):
    now = timezone.now()
    today = timezone.localdate(now)
    for advisor in User.objects.filter(role=Role.ADVISOR):
        planned = Activity.objects.filter(
            employee=advisor, done_at__isnull=True, lead__in=Lead.objects.open()
        )
        assert planned.filter(planned_at__date__lt=today).exists(), advisor
        assert planned.filter(planned_at__date=today).exists(), advisor
        assert planned.filter(planned_at__date=today + timedelta(days=1)).exists(), advisor
        day = my_day(user=advisor)
        assert day.overdue.items
        assert day.today_planned.items or day.tomorrow_planned.items
        assert leads_without_next_step_ids(user=advisor).exists()


def test_my_day_page_shows_the_advisors_overdue_conversations(seeded, db, client):
    client.login(username="doradca1", password="lejek-doradca-2026")
    response = client.get(reverse("leads:my_day"))
    assert response.status_code == 200
    advisor = User.objects.get(username="doradca1")
    oldest = my_day(user=advisor).overdue.items[0]
    assert f'id="my-day-conversation-{oldest.pk}"' in response.content.decode()
    assert f'href="{oldest.lead.get_absolute_url()}?tab=conversations"' in (
        response.content.decode()
    )


def test_first_conversation_events_are_the_earliest_of_each_kind(seeded, db):
    earliest = {}
    for lead_id, kind, done_at in Activity.objects.filter(done_at__isnull=False).values_list(
        "lead_id", "kind", "done_at"
    ):
        key = (lead_id, FIRST_EVENT_OF_KIND[kind])
        earliest[key] = min(done_at, earliest.get(key, done_at))
    events = {
        (lead_id, kind): at
        for lead_id, kind, at in LeadEvent.objects.exclude(kind=LeadEventKind.CREATED)
        .exclude(kind=LeadEventKind.CLIENT_CREATED)
        .values_list("lead_id", "kind", "at")
    }
    assert events == earliest
    assert LeadEvent.objects.filter(kind=LeadEventKind.CREATED).count() == Lead.objects.count()


def test_offers_are_only_on_leads_that_reached_the_offer_stage(seeded, db):
    offer_order = LeadStatus.objects.get(slug="oferta").order
    offers = list(Offer.objects.select_related("lead__status").prefetch_related("items__unit"))
    assert len(offers) >= 100
    assert {offer.status for offer in offers} >= {"draft", "sent", "accepted"}
    per_lead = defaultdict(int)
    for offer in offers:
        lead = offer.lead
        per_lead[lead.pk] += 1
        assert lead.status.order >= offer_order and not lead.is_deleted
        assert offer.client_id in {c.pk for c in lead.clients.all()}
        assert (offer.sent_at is not None) == (offer.status != OfferStatus.DRAFT)
        assert bool(offer.channel) == (offer.status != OfferStatus.DRAFT)
        assert lead.created_at <= offer.created_at <= (lead.closed_at or timezone.now())
        items = list(offer.items.all())
        assert 1 <= len(items) <= 3
        investments = {i.pk for i in lead.investments.all()}
        for item in items:
            assert item.unit.investment_id in investments
            assert item.list_price == item.unit.list_price
            assert item.list_price * Decimal("0.95") <= item.price <= item.list_price
    assert max(per_lead.values()) <= 2
    assert OfferItem.objects.filter(price__lt=F("list_price")).exists()  # some discounts


def test_surveys_answer_the_templates_questions_validly(seeded, db):
    template = SurveyTemplate.objects.get(name="Ankieta zakupowa")
    responses = list(SurveyResponse.objects.select_related("lead").prefetch_related("answers"))
    verified = (
        Lead.objects.exclude(intake_outcome=IntakeOutcome.DELETED)
        .filter(clients__isnull=False)
        .distinct()
        .count()
    )
    assert 0.3 * verified <= len(responses) <= 0.5 * verified
    questions = {question.pk: question for question in template.questions.all()}
    for response in responses:
        assert response.template_id == template.pk
        assert response.lead.created_at <= response.filled_at <= timezone.now()
        answered = {answer.question_id: answer for answer in response.answers.all()}
        assert set(answered) <= set(questions)
        for question in questions.values():
            if question.required:
                assert question.pk in answered, question
        for answer in answered.values():
            question = questions[answer.question_id]
            assert survey_answer_text(question=question, value=answer.value) == answer.value


def test_some_leads_have_internal_notes_in_polish(seeded, db):
    with_notes = Note.objects.values("lead").distinct().count()
    assert 0.2 * 500 <= with_notes <= 0.4 * 500
    assert Note.history.count() == Note.objects.count()
    for note in Note.objects.select_related("lead", "created_by")[:50]:
        assert note.created_by.role in (Role.ADVISOR, Role.MANAGER)
        assert note.lead.created_at <= note.created_at <= timezone.now()


def test_history_tab_of_a_won_lead_tells_its_sale(seeded, db, client):
    contract = Contract.objects.select_related("lead").order_by("-signed_at").first()
    client.login(username="kierownik", password="lejek-kierownik-2026")
    response = client.get(
        reverse("leads:tab", args=[contract.lead_id, "history"]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    unit = contract.units.get()
    assert contract.number in page and str(unit) in page


# -- what the reports read, and how inquiries arrive -------------------------------------------


def test_converted_inquiries_record_when_their_client_was_created(seeded, db):
    converted = Lead.objects.filter(intake_outcome=IntakeOutcome.CONVERTED)
    assert converted.count() >= 50
    created = dict(
        LeadEvent.objects.filter(kind=LeadEventKind.CLIENT_CREATED).values_list("lead_id", "at")
    )
    # Only lead_convert_to_client records it: for the inquiries turned into clients.
    assert set(created) == set(converted.values_list("pk", flat=True))
    for lead in converted.prefetch_related("clients"):
        at = created[lead.pk]
        assert lead.client_created_at == at  # the report's column, from the event
        assert {client.created_at for client in lead.clients.all()} == {at}
        assert lead.created_at <= at
    # The first call follows the new client, as the call the conversion plans.
    called_after = converted.filter(first_contact_at__gte=F("client_created_at")).count()
    assert called_after >= 0.9 * converted.count()


def report_tables(client, name: str) -> list:
    client.login(username="kierownik", password="lejek-kierownik-2026")
    period = {
        "date_from": (timezone.localdate() - timedelta(days=550)).isoformat(),
        "date_to": timezone.localdate().isoformat(),
    }
    response = client.get(reverse(f"reports:{name}"), period, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.context["tables"]


def test_the_response_times_report_has_numbers_for_every_span(seeded, db, client):
    times, over_sla = report_tables(client, "response_times")
    for span, measured, median, p90 in times.values():
        assert measured >= 30 and median is not None and p90 is not None, span
    # Most leads are answered within the first-contact SLA, some are not.
    answered = Lead.objects.not_deleted().filter(first_contact_at__isnull=False)
    sla = timedelta(minutes=crm_settings().sla_first_contact_minutes)
    in_time = answered.filter(first_contact_at__lte=F("created_at") + sla).count()
    assert 0.4 * answered.count() <= in_time <= 0.8 * answered.count()
    assert over_sla.rows


def test_the_funnel_has_every_advisors_median_minutes_to_first_contact(seeded, db, client):
    advisors = report_tables(client, "funnel")[3]
    rows = {row[0]: row for row in advisors.values()}
    for advisor in User.objects.filter(role=Role.ADVISOR):
        row = rows[advisor.get_full_name()]
        assert row[1] > 0 and row[5] is not None and row[5] > 0, row


def test_the_demo_has_assignment_rules_and_the_websites_form(seeded, db):
    rules = list(AssignmentRule.objects.prefetch_related("pool", "investments"))
    assert len(rules) == 2
    assert all(rule.active and rule.pool.exists() for rule in rules)
    assert all(user.role == Role.ADVISOR for rule in rules for user in rule.pool.all())
    assert LeadSource.objects.get(slug="www").intake_form_enabled


def test_an_inquiry_from_the_websites_form_goes_to_an_advisor(seeded, db, client):
    response = client.post(
        reverse("intake_form", args=["www"]),
        {
            "first_name": "Ewa",
            "last_name": "Malinowska",
            "email": "ewa.malinowska@example.pl",
            "phone": "600 100 200",
            "message": "Szukam trzech pokoi z balkonem.",
            "consents_processing": "on",
            "website": "",
        },
    )
    assert response.status_code == 302
    lead = Lead.objects.get(contact_email="ewa.malinowska@example.pl")
    assert [user.role for user in lead.employees.all()] == [Role.ADVISOR]


def test_an_inquiry_from_the_api_goes_to_the_advisors_of_its_investment(seeded, db, client):
    portal = LeadSource.objects.get(slug="rynekpierwotny")
    token = source_rotate_intake_token(source=portal)
    investment_rule = AssignmentRule.objects.get(investments__isnull=False)
    investment = investment_rule.investments.get()
    inquiry = {
        "external_id": "rp-demo-1",
        "first_name": "Jan",
        "last_name": "Kowalski",
        "email": "jan.kowalski.demo@example.pl",
        "investment": investment.name,
        "consents": {"processing": True, "marketing": False},
    }
    response = client.post(
        "/api/intake/leads/",
        data=json.dumps(inquiry),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    lead = Lead.objects.get(pk=response.json()["id"])
    assert set(lead.employees.all()) <= set(investment_rule.pool.all())
    assert lead.employees.exists()


def test_lead_integrity_check_finds_nothing_on_the_demo(seeded, db):
    out = StringIO()
    call_command("lead_integrity_check", stdout=out)  # a CommandError on any finding
    assert "Leads, contracts and units agree." in out.getvalue()
