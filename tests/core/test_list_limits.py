"""Every plain list (clients, contractors, investments, an investment's units) shows at
most the largest page size it offers, and says so when asked for more."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from tests.factories import ClientFactory, ContractorFactory, InvestmentFactory, UnitFactory

pytestmark = pytest.mark.django_db

NOT_OFFERED = "A page shows at most 100 rows; the sizes on offer are 25, 50, 100."


@pytest.fixture
def lists(advisor) -> dict[str, str]:
    """Thirty rows in each plain list the advisor sees, and the lists' addresses."""
    investment = InvestmentFactory()
    for number in range(30):
        ClientFactory(branch=advisor.branch, caretaker=advisor)
        ContractorFactory(branch=advisor.branch)
        UnitFactory(investment=investment, number=f"A{number}")
        if number:
            InvestmentFactory()
    return {
        "clients": reverse("clients:list"),
        "contractors": reverse("clients:contractor_list"),
        "investments": reverse("investments:list"),
        "units": reverse("investments:detail", args=[investment.pk]),
    }


def test_a_list_asked_for_five_thousand_rows_shows_twenty_five_and_says_why(advisor, lists):
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(advisor)

    for url in lists.values():
        response = http.get(url, {"per_page": "5000"})
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 25, url
        assert NOT_OFFERED in response.text

        for per_page in ("²", "99999999999999999999"):
            response = http.get(url, {"per_page": per_page})
            assert response.status_code == 200
            assert len(response.context["page"].object_list) == 25, url

        response = http.get(url, {"per_page": "50"})
        assert len(response.context["page"].object_list) == 30, url
        assert NOT_OFFERED not in response.text
