"""The investment catalogue pages: counts by status, an investment's units with their
filters, sorting and status badges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from investments.models import UnitKind, UnitStatus
from tests.factories import InvestmentFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def akacjowa():
    investment = InvestmentFactory(name="Akacjowa")
    UnitFactory(investment=investment, number="A1", rooms=2, list_price=Decimal("400000"))
    UnitFactory(
        investment=investment,
        number="A2",
        rooms=3,
        list_price=Decimal("550000"),
        status=UnitStatus.RESERVED,
    )
    UnitFactory(
        investment=investment,
        number="A3",
        rooms=5,
        list_price=Decimal("900000"),
        status=UnitStatus.SOLD,
    )
    UnitFactory(
        investment=investment,
        number="P1",
        kind=UnitKind.PARKING,
        rooms=None,
        area=Decimal("12.50"),
        list_price=Decimal("40000"),
    )
    return investment


def numbers(response) -> list[str]:
    return [unit.number for unit in response.context["page"].object_list]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ["A1", "A2", "A3", "P1"]),
        ({"kind": "parking"}, ["P1"]),
        ({"rooms": "3"}, ["A2"]),
        ({"rooms": "5"}, ["A3"]),
        ({"status": "available"}, ["A1", "P1"]),
        ({"price_min": "100000", "price_max": "600000"}, ["A1", "A2"]),
        ({"price_min": "500000"}, ["A2", "A3"]),
        ({"kind": "flat", "status": "sold"}, ["A3"]),
    ],
)
def test_units_are_filtered_by_kind_rooms_status_and_price(
    client, advisor, akacjowa, params, expected
):
    client.force_login(advisor)
    response = client.get(reverse("investments:detail", args=[akacjowa.pk]), params)
    assert numbers(response) == expected


def test_five_rooms_means_five_or_more(client, advisor, akacjowa):
    UnitFactory(investment=akacjowa, number="A4", rooms=6)
    client.force_login(advisor)
    response = client.get(reverse("investments:detail", args=[akacjowa.pk]), {"rooms": "5"})
    assert numbers(response) == ["A3", "A4"]


def test_inverted_price_range_is_explained_and_its_upper_bound_ignored(
    en_client, advisor, akacjowa
):
    en_client.force_login(advisor)
    response = en_client.get(
        reverse("investments:detail", args=[akacjowa.pk]),
        {"price_min": "600000", "price_max": "100000"},
    )
    assert "The upper price must not be below the lower one." in response.text
    assert numbers(response) == ["A3"]


def test_units_sort_by_price_descending(client, advisor, akacjowa):
    client.force_login(advisor)
    response = client.get(reverse("investments:detail", args=[akacjowa.pk]), {"sort": "-price"})
    assert numbers(response) == ["A3", "A2", "A1", "P1"]


def test_detail_counts_units_by_status_and_shows_badges(client, advisor, akacjowa):
    client.force_login(advisor)
    response = client.get(reverse("investments:detail", args=[akacjowa.pk]), {"kind": "flat"})
    # The counts are the investment's, whatever the filters.
    counts = {status.value: count for status, count in response.context["status_counts"]}
    assert counts == {"available": 2, "reserved": 1, "sold": 1}
    assert response.context["unit_total"] == 4
    assert 'class="tag tag--reserved"' in response.text
    assert 'class="tag tag--sold"' in response.text


def test_filter_with_no_match_says_so(en_client, advisor, akacjowa):
    en_client.force_login(advisor)
    response = en_client.get(reverse("investments:detail", args=[akacjowa.pk]), {"kind": "storage"})
    assert "No units match these filters." in response.text


@pytest.mark.parametrize("actor", ["advisor", "manager", "outsider"])
def test_every_employee_sees_the_catalogue(client, request, akacjowa, actor):
    client.force_login(request.getfixturevalue(actor))
    assert "Akacjowa" in client.get(reverse("investments:list")).text
    assert client.get(reverse("investments:detail", args=[akacjowa.pk])).status_code == 200


def test_investment_list_sorts_by_unit_count(client, advisor, akacjowa):
    InvestmentFactory(name="Brzozowa")
    client.force_login(advisor)
    response = client.get(reverse("investments:list"), {"sort": "-units"})
    assert [i.name for i in response.context["page"].object_list] == ["Akacjowa", "Brzozowa"]


def test_investment_list_query_count(client, advisor, django_assert_num_queries):
    for n in range(30):
        UnitFactory(investment=InvestmentFactory(), number=f"U{n}")
    client.force_login(advisor)
    # Session, user, count, the page with its counts by status.
    with django_assert_num_queries(4):
        client.get(reverse("investments:list"), {"per_page": "50"})


@pytest.mark.parametrize("per_page", ["25", "100"])
def test_investment_detail_query_count(client, advisor, django_assert_num_queries, per_page):
    investment = InvestmentFactory()
    for n in range(120):
        UnitFactory(investment=investment, number=f"U{n:03}")
    client.force_login(advisor)
    # Session, user, investment, counts by status, count of filtered units, the page.
    with django_assert_num_queries(6):
        response = client.get(
            reverse("investments:detail", args=[investment.pk]),
            {"per_page": per_page, "status": "available"},
        )
    assert len(response.context["page"].object_list) == int(per_page)


def test_investment_names_render_escaped(client, advisor):
    investment = InvestmentFactory(name="<script>alert(1)</script>")
    UnitFactory(investment=investment, number="<b>X</b>")
    client.force_login(advisor)
    for url in [reverse("investments:list"), reverse("investments:detail", args=[investment.pk])]:
        text = client.get(url).text
        assert "<script>alert(1)" not in text and "<b>X</b>" not in text


def test_catalogue_has_no_create_or_edit_for_employees(client, advisor, akacjowa):
    client.force_login(advisor)
    text = client.get(reverse("investments:detail", args=[akacjowa.pk])).text
    assert "/admin/" not in text.split('id="content"')[1]


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
