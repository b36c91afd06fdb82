"""The first lead pages: the list and the detail, scoped to what a user may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ClientFactory, InvestmentFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_lead(advisor):
    client = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=advisor.branch)
    lead = LeadFactory(
        name="Kawalerka", branch=advisor.branch, employees=[advisor], clients=[client]
    )
    lead.investments.add(InvestmentFactory(name="Akacjowa"))
    return lead


def test_advisor_sees_own_lead_in_the_list(client, advisor, own_lead):
    client.force_login(advisor)
    response = client.get(reverse("leads:list"))
    assert response.status_code == 200
    assert "Kawalerka" in response.text
    assert "Elżbieta Turza" in response.text


def test_advisor_does_not_see_teammates_lead_in_the_list(client, advisor, teammate):
    LeadFactory(name="Sprawa kolegi", branch=advisor.branch, employees=[teammate])
    client.force_login(advisor)
    response = client.get(reverse("leads:list"))
    assert "Sprawa kolegi" not in response.text


def test_lead_detail_shows_header_facts(client, advisor, own_lead):
    client.force_login(advisor)
    response = client.get(reverse("leads:detail", args=[own_lead.pk]))
    assert response.status_code == 200
    assert "Akacjowa" in response.text
    assert "0d 0h" in response.text  # handling time of a lead created just now


@pytest.mark.parametrize("actor", ["outsider", "other_manager", "teammate"])
def test_user_who_may_not_see_the_lead_gets_404(client, request, own_lead, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("leads:detail", args=[own_lead.pk])).status_code == 404


@pytest.mark.parametrize("actor", ["manager", "administrator"])
def test_manager_and_administrator_open_the_lead(client, request, own_lead, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("leads:detail", args=[own_lead.pk])).status_code == 200
