"""Client and contractor pages, scoped to what a user may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ClientFactory, ContractorFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cared_client(advisor):
    return ClientFactory(
        first_name="Hanna", last_name="Kuźniewska", caretaker=advisor, branch=advisor.branch
    )


def test_advisor_sees_clients_they_care_for(client, advisor, cared_client):
    client.force_login(advisor)
    response = client.get(reverse("clients:list"))
    assert "Kuźniewska" in response.text
    assert client.get(reverse("clients:detail", args=[cared_client.pk])).status_code == 200


def test_advisor_sees_a_client_of_their_lead(client, advisor, teammate):
    other = ClientFactory(last_name="Zaorski", caretaker=teammate, branch=advisor.branch)
    LeadFactory(branch=advisor.branch, employees=[advisor], clients=[other])
    client.force_login(advisor)
    assert client.get(reverse("clients:detail", args=[other.pk])).status_code == 200


@pytest.mark.parametrize("actor", ["outsider", "other_manager", "teammate"])
def test_user_who_may_not_see_the_client_gets_404(client, request, cared_client, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("clients:detail", args=[cared_client.pk])).status_code == 404
    assert "Kuźniewska" not in client.get(reverse("clients:list")).text


def test_client_list_query_count_is_fixed(client, manager, django_assert_num_queries):
    for _ in range(30):
        ClientFactory(branch=manager.branch, caretaker=manager)
    client.force_login(manager)
    # Session, user, count, page of rows, the filter panel's caretaker and source options,
    # and the user's permissions (2) for the export button.
    with django_assert_num_queries(8):
        client.get(reverse("clients:list"))


def test_contractor_of_another_branch_is_not_found(client, advisor, other_branch):
    mine = ContractorFactory(name="Budimex Poznań", branch=advisor.branch)
    theirs = ContractorFactory(name="Firma z Warszawy", branch=other_branch)
    client.force_login(advisor)
    listing = client.get(reverse("clients:contractor_list")).text
    assert "Budimex Poznań" in listing and "Firma z Warszawy" not in listing
    assert client.get(reverse("clients:contractor_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("clients:contractor_detail", args=[theirs.pk])).status_code == 404


def test_empty_client_list_says_so(client, advisor):
    client.force_login(advisor)
    assert "Brak klientów" in client.get(reverse("clients:list")).text
