"""Who sees which leads, clients and contractors: advisors their own leads, managers their
branch, administrators everything. What a user may not see does not exist for them."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from clients.selectors import client_get_for_user, clients_visible_to, contractors_visible_to
from leads.models import DeletionReason, FailureReason, IntakeOutcome, LeadStatus
from leads.selectors import lead_get_for_user, lead_list, lead_status_counts, leads_visible_to
from tests.factories import (
    ClientFactory,
    ContractorFactory,
    InvestmentFactory,
    LeadFactory,
    UserFactory,
    status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def my_lead(advisor):
    return LeadFactory(name="Lead doradcy", branch=advisor.branch, employees=[advisor])


@pytest.fixture
def teammates_lead(teammate):
    return LeadFactory(name="Lead kolegi", branch=teammate.branch, employees=[teammate])


@pytest.fixture
def outsiders_lead(outsider):
    return LeadFactory(name="Lead z Warszawy", branch=outsider.branch, employees=[outsider])


@pytest.fixture
def all_leads(my_lead, teammates_lead, outsiders_lead):
    return [my_lead, teammates_lead, outsiders_lead]


def visible(queryset) -> set[str]:
    return {str(obj) for obj in queryset}


# -- leads ---------------------------------------------------------------------------------


def test_advisor_sees_the_leads_they_work(advisor, all_leads):
    assert visible(leads_visible_to(advisor)) == {"Lead doradcy"}


def test_advisor_cannot_see_lead_of_teammate(advisor, teammates_lead):
    assert not leads_visible_to(advisor).filter(pk=teammates_lead.pk).exists()
    with pytest.raises(Http404):
        lead_get_for_user(user=advisor, pk=teammates_lead.pk)


def test_advisor_cannot_see_lead_of_other_branch(advisor, outsiders_lead):
    assert not leads_visible_to(advisor).filter(pk=outsiders_lead.pk).exists()
    with pytest.raises(Http404):
        lead_get_for_user(user=advisor, pk=outsiders_lead.pk)


def test_advisor_added_to_a_teammates_lead_sees_it_once(advisor, teammate, teammates_lead):
    teammates_lead.employees.add(advisor)

    assert list(leads_visible_to(advisor)) == [teammates_lead]
    assert lead_get_for_user(user=advisor, pk=teammates_lead.pk) == teammates_lead


def test_manager_sees_every_lead_of_the_branch(manager, all_leads):
    assert visible(leads_visible_to(manager)) == {"Lead doradcy", "Lead kolegi"}


def test_manager_cannot_see_lead_of_other_branch(manager, outsiders_lead):
    with pytest.raises(Http404):
        lead_get_for_user(user=manager, pk=outsiders_lead.pk)


def test_manager_of_the_other_branch_sees_only_that_branch(other_manager, all_leads):
    assert visible(leads_visible_to(other_manager)) == {"Lead z Warszawy"}


def test_manager_without_a_branch_sees_no_lead(all_leads):
    manager = UserFactory(role="manager", branch=None)

    assert not leads_visible_to(manager).exists()


def test_administrator_sees_every_lead(administrator, all_leads):
    assert visible(leads_visible_to(administrator)) == {
        "Lead doradcy",
        "Lead kolegi",
        "Lead z Warszawy",
    }


@pytest.mark.parametrize("actor", ["advisor", "manager", "administrator"])
def test_deactivated_employee_sees_no_lead(request, actor, all_leads):
    user = request.getfixturevalue(actor)
    user.is_active = False
    user.save()

    assert not leads_visible_to(user).exists()


def test_lead_list_leaves_out_deleted_inquiries(advisor, my_lead):
    LeadFactory(
        name="Spam",
        branch=advisor.branch,
        employees=[advisor],
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )

    assert visible(lead_list(user=advisor)) == {"Lead doradcy"}


def test_status_counts_count_only_open_leads_the_user_sees(advisor, all_leads):
    now = timezone.now()
    LeadFactory(
        branch=advisor.branch,
        employees=[advisor],
        failed_at=now,
        failure_reason=FailureReason.objects.get(name="Cena"),
    )
    LeadFactory(branch=advisor.branch, employees=[advisor], status=status("oferta"))
    LeadFactory(branch=advisor.branch, employees=[advisor], status=status("umowa"))

    counts = {s.name: s.lead_count for s in lead_status_counts(user=advisor)}

    assert counts["Nowy"] == 1  # my lead; not the teammate's, the outsider's or the failed one
    assert counts["Oferta"] == 1
    assert "Umowa" not in counts  # a won lead is closed, and its status holds no open leads


def test_status_counts_come_in_pipeline_order(advisor, my_lead):
    names = [s.name for s in lead_status_counts(user=advisor)]

    open_statuses = LeadStatus.objects.filter(is_won=False).order_by("order", "id")
    assert names == list(open_statuses.values_list("name", flat=True))
    assert names[0] == "Nowy"
    assert names[-1] == "Rezerwacja wstępna"


def test_status_counts_take_two_queries_whatever_the_leads(
    manager, advisor, django_assert_num_queries
):
    for slug in ("nowy", "oferta", "nowy"):
        LeadFactory(branch=advisor.branch, employees=[advisor], status=status(slug))

    # The open leads counted per status, then the statuses.
    with django_assert_num_queries(2):
        counts = {s.name: s.lead_count for s in lead_status_counts(user=manager)}

    assert counts["Nowy"] == 2 and counts["Oferta"] == 1 and counts["Negocjacje"] == 0


def make_leads(count: int, advisor, teammate) -> None:
    investment = InvestmentFactory()
    for _ in range(count):
        LeadFactory(
            branch=advisor.branch,
            employees=[advisor, teammate],
            clients=[ClientFactory(branch=advisor.branch), ClientFactory(branch=advisor.branch)],
            created_by=advisor,
            updated_by=teammate,
        ).investments.set([investment])


def show_rows(leads) -> list[str]:
    """Everything a row of the lead list shows."""
    return [
        " | ".join(
            [
                lead.name,
                lead.status.name,
                lead.source.name,
                str(lead.created_by),
                str(lead.updated_by),
                str(lead.failure_reason or ""),
                ", ".join(str(client) for client in lead.clients.all()),
                ", ".join(str(employee) for employee in lead.employees.all()),
                ", ".join(str(investment) for investment in lead.investments.all()),
            ]
        )
        for lead in leads
    ]


@pytest.mark.parametrize("count", [5, 20])
@pytest.mark.parametrize("actor", ["advisor", "manager", "administrator"])
def test_lead_list_takes_the_same_few_queries_however_many_leads(
    request, django_assert_num_queries, advisor, teammate, actor, count
):
    make_leads(count, advisor, teammate)
    user = request.getfixturevalue(actor)

    # One for the leads with status, source and people, one each for clients, employees and
    # investments.
    with django_assert_num_queries(4):
        rows = show_rows(lead_list(user=user))

    assert len(rows) == count


def test_lead_detail_takes_a_fixed_number_of_queries(django_assert_num_queries, advisor, teammate):
    make_leads(1, advisor, teammate)
    lead_id = lead_list(user=advisor).get().pk

    with django_assert_num_queries(5):
        lead = lead_get_for_user(user=advisor, pk=lead_id)
        show_rows([lead])
        [str(client.caretaker) for client in lead.clients.all()]
        list(lead.contractors.all())
        str(lead.branch)


# -- clients -------------------------------------------------------------------------------


@pytest.fixture
def clients(advisor, teammate, outsider, my_lead, teammates_lead, outsiders_lead):
    cared = ClientFactory(last_name="Podopieczna", branch=advisor.branch, caretaker=advisor)
    on_my_lead = ClientFactory(last_name="Zleadu", branch=advisor.branch)
    my_lead.clients.add(on_my_lead)
    teammates = ClientFactory(last_name="Kolegi", branch=teammate.branch, caretaker=teammate)
    teammates_lead.clients.add(teammates)
    ClientFactory(last_name="Bezopiekuna", branch=advisor.branch)
    outsiders = ClientFactory(last_name="Warszawska", branch=outsider.branch, caretaker=outsider)
    outsiders_lead.clients.add(outsiders)
    return {c.last_name: c for c in [cared, on_my_lead, teammates, outsiders]}


def last_names(queryset) -> set[str]:
    return set(queryset.values_list("last_name", flat=True))


def test_advisor_sees_clients_they_care_for_and_clients_on_their_leads(advisor, clients):
    assert last_names(clients_visible_to(advisor)) == {"Podopieczna", "Zleadu"}


def test_advisor_cannot_see_client_of_teammate(advisor, clients):
    with pytest.raises(Http404):
        client_get_for_user(user=advisor, pk=clients["Kolegi"].pk)


def test_advisor_sees_a_client_once_even_when_on_several_of_their_leads(advisor, clients):
    second_lead = LeadFactory(branch=advisor.branch, employees=[advisor])
    second_lead.clients.add(clients["Podopieczna"], clients["Zleadu"])

    assert clients_visible_to(advisor).count() == 2


def test_manager_sees_every_client_of_the_branch(manager, clients):
    assert last_names(clients_visible_to(manager)) == {
        "Podopieczna",
        "Zleadu",
        "Kolegi",
        "Bezopiekuna",
    }


def test_manager_cannot_see_client_of_other_branch(manager, clients):
    with pytest.raises(Http404):
        client_get_for_user(user=manager, pk=clients["Warszawska"].pk)


def test_administrator_sees_every_client(administrator, clients):
    assert clients_visible_to(administrator).count() == 5


def test_deactivated_advisor_sees_no_client(advisor, clients):
    advisor.is_active = False
    advisor.save()

    assert not clients_visible_to(advisor).exists()


# -- contractors ---------------------------------------------------------------------------


@pytest.fixture
def contractors(branch, other_branch):
    ContractorFactory(name="Poznańska Firma", branch=branch)
    ContractorFactory(name="Warszawska Firma", branch=other_branch)


@pytest.mark.parametrize(
    ("actor", "seen"),
    [
        ("advisor", {"Poznańska Firma"}),
        ("manager", {"Poznańska Firma"}),
        ("outsider", {"Warszawska Firma"}),
        ("other_manager", {"Warszawska Firma"}),
        ("administrator", {"Poznańska Firma", "Warszawska Firma"}),
    ],
)
def test_contractors_are_seen_by_branch(request, contractors, actor, seen):
    user = request.getfixturevalue(actor)

    assert set(contractors_visible_to(user).values_list("name", flat=True)) == seen


def test_deactivated_employee_sees_no_contractor(advisor, contractors):
    advisor.is_active = False
    advisor.save()

    assert not contractors_visible_to(advisor).exists()
