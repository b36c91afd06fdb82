"""Which leads "may be called for marketing" (the lead list's consent filter), and the bulk
load of events the demo uses leaving the states recording them one by one would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consents.models import Action, ConsentEvent, ConsentState, Kind, Source
from consents.selectors import Person, clauses_offered, controller_default, lead_granted_q
from consents.services import consent_events_load, consent_record
from leads.models import Lead
from tests.factories import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clauses():
    return clauses_offered(controller_default())


def give(person: Person, kind: Kind, clauses, *, action=Action.GIVEN, days_ago=1) -> None:
    consent_record(
        person=person, kind=kind, action=action, source=Source.EMPLOYEE,
        clause=clauses[kind] if action == Action.GIVEN else None,
        at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


def called(kind=Kind.MARKETING_PHONE) -> set[int]:
    return set(Lead.objects.filter(lead_granted_q(kind)).values_list("pk", flat=True))


def test_may_be_called_means_a_client_or_a_contact_without_client_granted_it_now(advisor, clauses):
    branch = advisor.branch
    agreed, withdrew, emailed = (ClientFactory(branch=branch) for _ in range(3))
    of_agreed = LeadFactory(branch=branch, clients=[agreed])
    couple = LeadFactory(branch=branch, clients=[withdrew, agreed])
    of_withdrew = LeadFactory(branch=branch, clients=[withdrew])
    of_emailed = LeadFactory(branch=branch, clients=[emailed])
    contact = LeadFactory(branch=branch, contact_phone="600100200")
    silent_contact = LeadFactory(branch=branch, contact_phone="600100201")
    give(Person(client=agreed), Kind.MARKETING_PHONE, clauses)
    give(Person(client=withdrew), Kind.MARKETING_PHONE, clauses, days_ago=5)
    give(Person(client=withdrew), Kind.MARKETING_PHONE, clauses, action=Action.WITHDRAWN)
    give(Person(client=emailed), Kind.MARKETING_EMAIL, clauses)
    give(Person(lead=contact), Kind.MARKETING_PHONE, clauses)
    give(Person(lead=silent_contact), Kind.MARKETING_EMAIL, clauses)

    assert called() == {of_agreed.pk, couple.pk, contact.pk}
    assert called(Kind.MARKETING_EMAIL) == {of_emailed.pk, silent_contact.pk}
    assert of_withdrew.pk not in called()


def test_a_bulk_load_leaves_the_states_recording_one_by_one_leaves(advisor, clauses):
    client = ClientFactory(branch=advisor.branch)
    contact = LeadFactory(branch=advisor.branch)
    now = timezone.now()
    story = [
        (Kind.MARKETING_EMAIL, Action.GIVEN, 10),
        (Kind.MARKETING_EMAIL, Action.WITHDRAWN, 5),
        (Kind.MARKETING_PHONE, Action.WITHDRAWN, 8),
        (Kind.MARKETING_PHONE, Action.GIVEN, 2),  # given again after the withdrawal
        (Kind.INQUIRY, Action.GIVEN, 10),
    ]

    def event(person, kind, action, days):
        return ConsentEvent(
            client=person.client, lead=person.lead, kind=kind, action=action,
            clause=clauses[kind] if action == Action.GIVEN else None,
            at=now - timedelta(days=days), source=Source.EMPLOYEE, recorded_at=now,
        )  # fmt: skip

    # Out of order on purpose: the newest event wins, not the last one loaded.
    consent_events_load(
        events=[event(Person(client=client), *step) for step in reversed(story)]
        + [event(Person(lead=contact), *step) for step in story]
    )
    loaded = {
        (s.client_id, s.lead_id, s.kind): (s.granted, s.event.at)
        for s in ConsentState.objects.select_related("event")
    }
    ConsentState.objects.all().delete()
    ConsentEvent.objects.all().delete()
    for person in (Person(client=client), Person(lead=contact)):
        for kind, action, days in story:
            give(person, kind, clauses, action=action, days_ago=days)
    one_by_one = {
        (s.client_id, s.lead_id, s.kind): (s.granted, s.event.at)
        for s in ConsentState.objects.select_related("event")
    }
    assert loaded.keys() == one_by_one.keys()
    assert {k: v[0] for k, v in loaded.items()} == {k: v[0] for k, v in one_by_one.items()}
    assert loaded[(client.pk, None, Kind.MARKETING_PHONE)][0] is True
    assert loaded[(client.pk, None, Kind.MARKETING_EMAIL)][0] is False
    assert loaded[(None, contact.pk, Kind.MARKETING_EMAIL)][0] is False
