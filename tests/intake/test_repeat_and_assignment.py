"""Who gets an inquiry. A client who writes again is recognised by phone or email however
they type it, and their inquiry goes to their caretaker (or, in the settings' other
scenario, onto their newest open lead). Anyone else's inquiry goes through the assignment
rules, then the settings' last-resort assignee, then the longest-serving manager: no lead
is ever left without an employee."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from crm.core.models import Role, User
from intake.payload import read_intake_payload
from leads.models import (
    Activity,
    ActivityDirection,
    AssignmentRule,
    AssignmentStrategy,
    DeletionReason,
    FailureReason,
    IntakeOutcome,
    IntakeReceipt,
    Lead,
)
from leads.services.assignment import NoAssignee
from leads.services.intake import Receipt, Received, lead_receive
from notifications.models import Notification, NotificationKind
from settings_app.models import CRMSettings, RepeatInquiryScenario
from tests.factories import (
    ClientFactory,
    InvestmentFactory,
    LeadFactory,
    UserFactory,
    source,
    status,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def receive(body: dict, *, slug: str = "www") -> Receipt:
    """An inquiry as the intake API hands it over: read and checked first."""
    payload = read_intake_payload(body)
    assert payload.is_valid, payload.errors
    return lead_receive(source=source(slug), data=payload.data, raw_payload=body)


def employees_of(lead: Lead) -> list[User]:
    return list(lead.employees.order_by("pk"))


def rule(*, pool=(), fallback_pool=(), sources=(), investments=(), **fields) -> AssignmentRule:
    assignment_rule = AssignmentRule.objects.create(name=fields.pop("name", "Reguła"), **fields)
    assignment_rule.pool.set(pool)
    assignment_rule.fallback_pool.set(fallback_pool)
    assignment_rule.sources.set(sources)
    assignment_rule.investments.set(investments)
    return assignment_rule


def use_settings(**fields) -> None:
    settings_row = CRMSettings.get_solo()
    for name, value in fields.items():
        setattr(settings_row, name, value)
    settings_row.save()


@pytest.fixture
def everyone_else_goes_to_teammate(teammate):
    """A catch-all rule, so that a lead given to the caretaker shows the rules were passed
    over, not that they happened to pick the same person."""
    return rule(name="Wszystko", pool=[teammate])


# -- A client who writes again ------------------------------------------------------------


def test_repeat_inquiry_by_phone_typed_differently_goes_to_the_clients_caretaker(
    advisor, everyone_else_goes_to_teammate
):
    client = ClientFactory(phone="+48 600 100 200", caretaker=advisor, branch=advisor.branch)
    LeadFactory(branch=advisor.branch, clients=[client])  # her first inquiry

    receipt = receive({"first_name": "Ela", "phone": "600-100-200", "message": "Znowu ja"})

    lead = receipt.lead
    assert receipt.outcome == Received.CREATED
    assert list(lead.clients.all()) == [client]
    assert lead.intake_outcome == IntakeOutcome.LINKED
    assert lead.is_repeat is True
    assert employees_of(lead) == [advisor]
    assert lead.branch == client.branch
    assert Notification.objects.filter(
        kind=NotificationKind.LEAD_ASSIGNED, lead=lead, recipient=advisor
    ).exists()


def test_repeat_inquiry_by_email_in_other_case_and_with_spaces_goes_to_the_caretaker(
    advisor, everyone_else_goes_to_teammate
):
    client = ClientFactory(email="Jan.Nowak@Example.pl", caretaker=advisor, branch=advisor.branch)
    LeadFactory(branch=advisor.branch, clients=[client])

    lead = receive({"email": "  JAN.NOWAK@example.PL  "}).lead

    assert list(lead.clients.all()) == [client]
    assert lead.intake_outcome == IntakeOutcome.LINKED
    assert lead.is_repeat is True
    assert employees_of(lead) == [advisor]


def test_the_first_inquiry_of_a_client_added_by_hand_is_linked_but_not_a_repeat_one(
    advisor, everyone_else_goes_to_teammate
):
    """A repeat lead is one of a client who had a lead before (one rule for the intake,
    the import, the lead form and the verify page): a client entered by hand, or
    imported, whose first inquiry this is, is known but not back."""
    client = ClientFactory(phone="+48 600 100 200", caretaker=advisor, branch=advisor.branch)

    lead = receive({"phone": "600 100 200"}).lead

    assert list(lead.clients.all()) == [client]
    assert lead.intake_outcome == IntakeOutcome.LINKED
    assert lead.is_repeat is False
    assert receive({"phone": "600 100 200", "external_id": "drugie"}).lead.is_repeat is True


def test_inquiry_from_someone_unknown_waits_for_verification(
    advisor, teammate, everyone_else_goes_to_teammate
):
    ClientFactory(email="jan.nowak@example.pl", caretaker=advisor, branch=advisor.branch)

    lead = receive({"email": "ktos.inny@example.pl", "phone": "+48 601 222 333"}).lead

    assert lead.clients.count() == 0
    assert lead.intake_outcome == IntakeOutcome.NEW
    assert lead.is_repeat is False
    assert employees_of(lead) == [teammate]


def test_repeat_inquiry_of_a_client_whose_caretaker_left_goes_by_the_rules(
    advisor, teammate, everyone_else_goes_to_teammate
):
    client = ClientFactory(phone="600100200", caretaker=advisor, branch=advisor.branch)
    LeadFactory(branch=advisor.branch, clients=[client])
    advisor.is_active = False
    advisor.save()

    lead = receive({"phone": "+48600100200"}).lead

    assert list(lead.clients.all()) == [client]
    assert lead.is_repeat is True
    assert employees_of(lead) == [teammate]


@pytest.fixture
def add_to_existing(db):
    use_settings(repeat_inquiry_scenario=RepeatInquiryScenario.ADD_TO_EXISTING)


def test_add_to_existing_logs_the_inquiry_on_the_clients_newest_open_lead_and_tells_its_people(
    advisor, teammate, add_to_existing, django_capture_on_commit_callbacks
):
    client = ClientFactory(
        email="ela@example.pl", phone="600100200", caretaker=advisor, branch=advisor.branch
    )
    now = timezone.now()
    older = LeadFactory(
        branch=advisor.branch,
        clients=[client],
        employees=[advisor],
        created_at=now - timedelta(days=30),
    )
    newest_open = LeadFactory(
        branch=advisor.branch,
        clients=[client],
        employees=[advisor, teammate],
        created_at=now - timedelta(days=10),
    )
    LeadFactory(  # newer still, but already won: not worked on any more
        branch=advisor.branch,
        clients=[client],
        employees=[advisor],
        status=status("umowa"),
        created_at=now - timedelta(days=1),
    )
    leads_before = Lead.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        receipt = receive(
            {"email": "ela@example.pl", "first_name": "Ela", "message": "Czy M4 jest wolne?"}
        )

    assert receipt.outcome == Received.APPENDED
    assert receipt.lead == newest_open
    assert Lead.objects.count() == leads_before
    (activity,) = Activity.objects.filter(lead=newest_open)
    assert activity.direction == ActivityDirection.INBOUND
    assert activity.done_at is not None
    assert activity.client == client
    assert "Czy M4 jest wolne?" in activity.notes
    assert "ela@example.pl" in activity.notes
    assert not Activity.objects.filter(lead=older).exists()
    told = Notification.objects.filter(kind=NotificationKind.INQUIRY_ADDED, lead=newest_open)
    assert {n.recipient for n in told} == {advisor, teammate}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [advisor.email, teammate.email]
    )


def test_add_to_existing_without_an_open_lead_makes_a_new_linked_lead(
    advisor, add_to_existing, everyone_else_goes_to_teammate
):
    client = ClientFactory(phone="600100200", caretaker=advisor, branch=advisor.branch)
    won = LeadFactory(
        branch=advisor.branch, clients=[client], employees=[advisor], status=status("umowa")
    )
    failed = LeadFactory(
        branch=advisor.branch,
        clients=[client],
        employees=[advisor],
        failed_at=timezone.now(),
        failure_reason=FailureReason.objects.get(name="Cena"),
    )
    deleted = LeadFactory(
        branch=advisor.branch,
        clients=[client],
        employees=[advisor],
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )

    receipt = receive({"phone": "600 100 200"})

    assert receipt.outcome == Received.CREATED
    assert receipt.lead not in {won, failed, deleted}
    assert list(receipt.lead.clients.all()) == [client]
    assert receipt.lead.intake_outcome == IntakeOutcome.LINKED
    assert receipt.lead.is_repeat is True
    assert employees_of(receipt.lead) == [advisor]
    assert not Activity.objects.exists()


# -- The assignment rules ----------------------------------------------------------------


def test_rule_for_one_source_takes_only_that_sources_inquiries(advisor, teammate):
    rule(name="Facebook", priority=1, sources=[source("facebook")], pool=[teammate])
    rule(name="Reszta", priority=2, pool=[advisor])

    from_facebook = receive({"email": "a@example.pl"}, slug="facebook").lead
    from_website = receive({"email": "b@example.pl"}, slug="www").lead

    assert employees_of(from_facebook) == [teammate]
    assert employees_of(from_website) == [advisor]


def test_rule_for_one_investment_takes_only_inquiries_about_it(advisor, teammate):
    akacjowa = InvestmentFactory(name="Akacjowa", code="akacjowa")
    InvestmentFactory(name="Bukowa", code="bukowa")
    rule(name="Akacjowa", priority=1, investments=[akacjowa], pool=[teammate])
    rule(name="Reszta", priority=2, pool=[advisor])

    about_akacjowa = receive({"email": "a@example.pl", "investment": "AKACJOWA"}).lead
    about_bukowa = receive({"email": "b@example.pl", "investment": "bukowa"}).lead
    about_nothing = receive({"email": "c@example.pl"}).lead

    assert employees_of(about_akacjowa) == [teammate]
    assert list(about_akacjowa.investments.all()) == [akacjowa]
    assert employees_of(about_bukowa) == [advisor]
    assert employees_of(about_nothing) == [advisor]


def test_rule_with_the_lower_priority_number_is_tried_first(advisor, teammate):
    rule(name="Później", priority=20, pool=[advisor])
    rule(name="Najpierw", priority=10, pool=[teammate])

    lead = receive({"email": "a@example.pl"}).lead

    assert employees_of(lead) == [teammate]


def test_inactive_rule_is_skipped(advisor, teammate):
    rule(name="Wyłączona", priority=1, active=False, pool=[teammate])
    rule(name="Działa", priority=2, pool=[advisor])

    lead = receive({"email": "a@example.pl"}).lead

    assert employees_of(lead) == [advisor]


@pytest.fixture
def three_advisors(branch) -> list[User]:
    return [
        UserFactory(username=name.lower(), first_name=name, branch=branch)
        for name in ("Ala", "Bartek", "Celina")
    ]


def test_round_robin_gives_inquiries_to_the_pool_in_turn(three_advisors):
    ala, bartek, celina = three_advisors
    rule(strategy=AssignmentStrategy.ROUND_ROBIN, pool=three_advisors)

    assignees = [employees_of(receive({"email": f"klient{n}@example.pl"}).lead) for n in range(4)]

    assert assignees == [[ala], [bartek], [celina], [ala]]


def test_fewest_open_gives_the_inquiry_to_the_least_loaded_advisor(three_advisors):
    ala, bartek, celina = three_advisors
    for _ in range(2):
        LeadFactory(branch=ala.branch, employees=[ala])
    LeadFactory(branch=celina.branch, employees=[celina])
    # Bartek's leads are all closed, which is no load.
    LeadFactory(branch=bartek.branch, employees=[bartek], status=status("umowa"))
    LeadFactory(
        branch=bartek.branch,
        employees=[bartek],
        failed_at=timezone.now(),
        failure_reason=FailureReason.objects.get(name="Cena"),
    )
    LeadFactory(
        branch=bartek.branch,
        employees=[bartek],
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )
    rule(strategy=AssignmentStrategy.FEWEST_OPEN, pool=three_advisors)

    assignees = [employees_of(receive({"email": f"klient{n}@example.pl"}).lead) for n in range(3)]

    # Bartek 0 → 1; then Bartek and Celina have one each and the longer-known wins; then
    # Celina has fewer.
    assert assignees == [[bartek], [bartek], [celina]]


def test_fallback_pool_takes_over_when_nobody_in_the_pool_is_active(advisor, teammate):
    teammate.is_active = False
    teammate.save()
    rule(pool=[teammate], fallback_pool=[advisor])

    lead = receive({"email": "a@example.pl"}).lead

    assert employees_of(lead) == [advisor]


def test_without_a_matching_rule_the_settings_last_resort_assignee_gets_it(
    advisor, teammate, manager
):
    rule(name="Tylko Facebook", sources=[source("facebook")], pool=[advisor])
    use_settings(intake_fallback_assignee=teammate)

    lead = receive({"email": "a@example.pl"}, slug="www").lead

    assert employees_of(lead) == [teammate]


def joined(user: User, year: int) -> User:
    user.date_joined = datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    user.save()
    return user


def test_without_rule_or_last_resort_assignee_the_longest_serving_manager_gets_it(
    manager, other_manager, administrator, teammate
):
    joined(manager, 2015)
    joined(administrator, 2012)
    joined(other_manager, 2010)
    departed = joined(UserFactory(username="emeryt", role=Role.MANAGER), 2005)
    departed.is_active = False
    departed.save()
    joined(teammate, 2001)  # an advisor, however long-serving, is not a last resort
    use_settings(intake_fallback_assignee=None)

    lead = receive({"email": "a@example.pl"}).lead

    assert employees_of(lead) == [other_manager]
    assert lead.branch == other_manager.branch


def test_last_resort_assignee_who_left_is_passed_over_for_the_longest_serving_manager(
    manager, teammate
):
    teammate.is_active = False
    teammate.save()
    use_settings(intake_fallback_assignee=teammate)

    lead = receive({"email": "a@example.pl"}).lead

    assert employees_of(lead) == [manager]


# -- Nobody is left out ------------------------------------------------------------------


def test_rule_with_nobody_active_passes_the_inquiry_on_and_it_still_gets_an_employee(
    advisor, teammate, manager
):
    teammate.is_active = False
    teammate.save()
    rule(name="Pusta", priority=1, pool=[teammate], fallback_pool=[teammate])
    rule(name="Następna", priority=2, pool=[advisor])

    lead = receive({"email": "a@example.pl"}).lead

    assert employees_of(lead) == [advisor]
    assert not Lead.objects.filter(employees__isnull=True).exists()


def test_inquiry_nobody_active_could_take_is_not_stored_without_an_employee(advisor):
    advisor.is_active = False
    advisor.save()
    rule(pool=[advisor])

    with pytest.raises(NoAssignee):
        receive({"email": "a@example.pl", "external_id": "portal-1"})

    assert not Lead.objects.exists()
    assert not IntakeReceipt.objects.exists()
