"""The consent register's rules, as every channel meets them: events are appended, the
current state follows the newest event, an objection suppresses marketing until a new
explicit consent, and an inquiry's consents become its client's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consents.models import Action, Clause, ConsentEvent, ConsentState, Kind, Source, Suppression
from consents.selectors import (
    Person,
    clauses_offered,
    consent_lines,
    controller_default,
    kinds_offered,
    suppressed_at,
)
from consents.services import (
    ConsentRefused,
    Given,
    consent_record,
    consents_move_to_client,
    consents_record_given,
    consents_withdraw,
    objection_record,
)
from settings_app.selectors import crm_settings
from tests.factories import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clauses():
    return clauses_offered(controller_default())


def states(person_filter) -> dict[str, bool]:
    return dict(ConsentState.objects.filter(**person_filter).values_list("kind", "granted"))


def test_the_register_starts_with_a_default_controller_and_a_clause_per_kind(clauses):
    assert controller_default() is not None
    assert set(clauses) == set(Kind.values)
    assert all(clause.version == 1 and clause.text_pl for clause in clauses.values())


def test_profiling_is_offered_only_when_the_settings_turn_it_on():
    assert Kind.PROFILING not in kinds_offered()
    settings = crm_settings()
    settings.profiling_enabled = True
    settings.save()
    assert Kind.PROFILING in kinds_offered()


def test_a_consent_given_is_the_clients_state_with_its_clause(advisor, clauses):
    client = ClientFactory(branch=advisor.branch)
    consent_record(
        person=Person(client=client), kind=Kind.MARKETING_EMAIL, action=Action.GIVEN,
        clause=clauses[Kind.MARKETING_EMAIL], source=Source.EMPLOYEE, user=advisor,
    )  # fmt: skip
    lines = {line.kind: line for line in consent_lines(client=client)}
    assert lines[Kind.MARKETING_EMAIL].granted
    assert lines[Kind.MARKETING_EMAIL].event.clause.version == 1
    assert not lines[Kind.MARKETING_PHONE].granted
    assert lines[Kind.MARKETING_PHONE].state == "none"


def test_a_consent_needs_the_clause_of_its_own_kind(advisor, clauses):
    client = ClientFactory(branch=advisor.branch)
    with pytest.raises(ValidationError) as refusal:
        consent_record(
            person=Person(client=client), kind=Kind.MARKETING_PHONE, action=Action.GIVEN,
            clause=clauses[Kind.MARKETING_EMAIL], source=Source.EMPLOYEE,
        )  # fmt: skip
    assert "clause" in refusal.value.message_dict
    with pytest.raises(ValidationError):
        consent_record(
            person=Person(client=client), kind=Kind.MARKETING_PHONE, action=Action.GIVEN,
            source=Source.EMPLOYEE,
        )  # fmt: skip
    assert not ConsentEvent.objects.exists()


def test_a_consent_cannot_be_dated_in_the_future(advisor, clauses):
    client = ClientFactory(branch=advisor.branch)
    with pytest.raises(ValidationError) as refusal:
        consent_record(
            person=Person(client=client), kind=Kind.MARKETING_SMS, action=Action.GIVEN,
            clause=clauses[Kind.MARKETING_SMS], source=Source.EMPLOYEE,
            at=timezone.now() + timedelta(days=1),
        )  # fmt: skip
    assert "at" in refusal.value.message_dict


def test_withdrawal_is_a_new_event_and_the_given_one_stays(advisor, clauses):
    client = ClientFactory(branch=advisor.branch)
    person = Person(client=client)
    given = consent_record(
        person=person, kind=Kind.MARKETING_PHONE, action=Action.GIVEN,
        clause=clauses[Kind.MARKETING_PHONE], source=Source.PUBLIC_FORM,
    )  # fmt: skip
    consents_withdraw(person=person, kinds=[Kind.MARKETING_PHONE], user=advisor, note="phoned")
    assert states({"client": client}) == {Kind.MARKETING_PHONE: False}
    assert ConsentEvent.objects.filter(pk=given.pk, action=Action.GIVEN).exists()
    assert ConsentEvent.objects.filter(client=client).count() == 2


def test_an_older_consent_brought_later_does_not_override_a_newer_withdrawal(advisor, clauses):
    client = ClientFactory(branch=advisor.branch)
    person = Person(client=client)
    consents_withdraw(person=person, kinds=[Kind.MARKETING_EMAIL], user=advisor)
    consent_record(
        person=person, kind=Kind.MARKETING_EMAIL, action=Action.GIVEN,
        clause=clauses[Kind.MARKETING_EMAIL], source=Source.IMPORT,
        at=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    assert states({"client": client}) == {Kind.MARKETING_EMAIL: False}


def test_handling_an_inquiry_is_a_basis_that_cannot_be_withdrawn_as_a_consent(advisor):
    client = ClientFactory(branch=advisor.branch)
    with pytest.raises(ValidationError):
        consents_withdraw(person=Person(client=client), kinds=[Kind.INQUIRY], user=advisor)


def test_an_objection_withdraws_every_marketing_kind_and_suppresses_the_contacts(advisor, clauses):
    client = ClientFactory(branch=advisor.branch, phone="600 100 200")
    person = Person(client=client)
    consents_record_given(
        person=person, source=Source.PUBLIC_FORM, explicit=True,
        given=[Given(Kind.MARKETING_EMAIL, clauses[Kind.MARKETING_EMAIL])],
    )  # fmt: skip
    objection_record(person=person, user=advisor)

    assert not any(states({"client": client}).values())
    assert Suppression.objects.count() == 2
    # The list keeps hashes only: neither the number nor the address is stored.
    assert not Suppression.objects.filter(digest__contains="600100200").exists()
    # A later inquiry from the same number, typed differently, is recognised.
    assert suppressed_at(phone="+48 600-100-200") is not None
    assert suppressed_at(email=client.email.upper()) is not None
    assert suppressed_at(phone="600 100 201") is None


def test_after_an_objection_only_a_new_explicit_consent_is_recorded(advisor, clauses):
    client = ClientFactory(branch=advisor.branch)
    person = Person(client=client)
    objection_record(person=person, user=advisor)
    events, refused = consents_record_given(
        person=person, source=Source.IMPORT,
        given=[Given(Kind.MARKETING_EMAIL, clauses[Kind.MARKETING_EMAIL])],
    )  # fmt: skip
    assert events == [] and len(refused) == 1
    assert "objected to marketing" in refused[0]
    with pytest.raises(ConsentRefused):
        consent_record(
            person=person, kind=Kind.MARKETING_EMAIL, action=Action.GIVEN, source=Source.API,
            clause=clauses[Kind.MARKETING_EMAIL],
        )  # fmt: skip

    consent_record(
        person=person, kind=Kind.MARKETING_EMAIL, action=Action.GIVEN, source=Source.EMPLOYEE,
        clause=clauses[Kind.MARKETING_EMAIL], user=advisor, explicit=True,
    )  # fmt: skip
    assert states({"client": client})[Kind.MARKETING_EMAIL] is True
    assert not Suppression.objects.exists()


def test_an_inquirys_consents_become_its_clients(advisor, clauses):
    lead = LeadFactory(
        branch=advisor.branch, contact_email="ola@example.pl", contact_first_name="Ola"
    )
    consents_record_given(
        person=Person(lead=lead), source=Source.PUBLIC_FORM, explicit=True,
        given=[Given(Kind.MARKETING_SMS, clauses[Kind.MARKETING_SMS])],
    )  # fmt: skip
    assert states({"lead": lead, "client__isnull": True}) == {Kind.MARKETING_SMS: True}
    client = ClientFactory(branch=advisor.branch, email="ola@example.pl")

    assert consents_move_to_client(lead_id=lead.pk, client_id=client.pk) == 1

    assert states({"client": client}) == {Kind.MARKETING_SMS: True}
    assert not ConsentState.objects.filter(lead=lead, client__isnull=True).exists()
    event = ConsentEvent.objects.get()
    assert (event.client, event.lead) == (client, lead)


def test_a_clause_version_is_unique_and_one_is_offered_per_kind(clauses):
    from django.db import IntegrityError, transaction

    clause = clauses[Kind.MARKETING_EMAIL]
    with pytest.raises(IntegrityError), transaction.atomic():
        Clause.objects.create(
            controller=clause.controller, kind=clause.kind, version=2, text_pl="Nowa", active=True
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Clause.objects.create(
            controller=clause.controller, kind=clause.kind, version=1, text_pl="x", active=False
        )
