"""The investment catalogue: every employee sees investments and their units."""

from __future__ import annotations

import pytest
from django.urls import reverse

from investments.models import UnitStatus
from tests.factories import InvestmentFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_investment_list_counts_units_by_status(client, advisor, django_assert_num_queries):
    akacjowa = InvestmentFactory(name="Akacjowa")
    UnitFactory(investment=akacjowa, number="A1")
    UnitFactory(investment=akacjowa, number="A2", status=UnitStatus.RESERVED)
    UnitFactory(investment=akacjowa, number="A3", status=UnitStatus.SOLD)
    client.force_login(advisor)
    with django_assert_num_queries(4):
        response = client.get(reverse("investments:list"))
    row = response.context["page"].object_list[0]
    assert (row.unit_count, row.available_count, row.reserved_count, row.sold_count) == (3, 1, 1, 1)


def test_investment_detail_lists_its_units(client, advisor):
    akacjowa = InvestmentFactory(name="Akacjowa")
    UnitFactory(investment=akacjowa, number="B12")
    client.force_login(advisor)
    response = client.get(reverse("investments:detail", args=[akacjowa.pk]))
    assert response.status_code == 200
    assert "B12" in response.text


def test_unknown_investment_is_404(client, advisor):
    client.force_login(advisor)
    assert client.get(reverse("investments:detail", args=[999999])).status_code == 404


def test_anonymous_visitor_cannot_open_the_catalogue(client):
    assert client.get(reverse("investments:list")).status_code == 302
