"""A report's period: at most five years, on days the calendar can count with. Asked for
more, the report page explains the limit next to the date and counts nothing (an
advisor's two thousand years once took 18 s and a 61 MB page; the year 9999 was a 500)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.filters import earliest_start
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

REPORTS = ["reports:sources", "reports:funnel", "reports:response_times", "reports:repeat"]


@pytest.fixture
def advisor_with_a_lead(client, advisor):
    LeadFactory(name="Mieszkanie", branch=advisor.branch, employees=[advisor])
    client.force_login(advisor)
    return advisor


@pytest.mark.parametrize("report", REPORTS)
def test_a_period_from_the_year_one_is_explained_and_not_counted(
    client, advisor_with_a_lead, report
):
    response = client.get(reverse(report), {"date_from": "0001-01-01"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "date_from": ["Choose a day between 01.01.1900 and 31.12.2999."]
    }
    assert response.context["tables"] == []
    assert "Choose a day between 01.01.1900 and 31.12.2999." in response.text


@pytest.mark.parametrize("report", REPORTS)
def test_a_period_to_the_last_day_of_the_calendar_is_explained(client, advisor_with_a_lead, report):
    response = client.get(reverse(report), {"date_to": "9999-12-31"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "date_to": ["Choose a day between 01.01.1900 and 31.12.2999."]
    }
    assert response.context["tables"] == []


def test_more_than_five_years_are_refused_with_the_first_day_allowed(client, advisor_with_a_lead):
    today = timezone.localdate()
    earliest = earliest_start(today)

    response = client.get(
        reverse("reports:sources"), {"date_from": (earliest - timedelta(days=1)).isoformat()}
    )

    assert response.context["form"].errors == {
        "date_from": [
            f"A report covers at most 5 years: choose a start on or after {earliest:%d.%m.%Y}."
        ]
    }
    assert response.context["tables"] == []
    assert "Mieszkanie" not in response.text


def test_five_whole_years_are_counted(client, advisor_with_a_lead):
    today = timezone.localdate()

    response = client.get(
        reverse("reports:sources"), {"date_from": earliest_start(today).isoformat()}
    )

    assert response.context["form"].errors == {}
    summary = response.context["tables"][0]
    assert [(row[0].value, row[1].value) for row in summary.rows] == [("www", 1)]


def test_five_years_end_the_day_before_the_same_day_five_years_later():
    assert earliest_start(date(2026, 12, 31)) == date(2022, 1, 1)
    assert earliest_start(date(2028, 2, 29)) == date(2023, 3, 1)


def test_the_leads_behind_a_number_obey_the_same_limits(client, advisor_with_a_lead):
    response = client.get(reverse("reports:leads"), {"date_from": "0001-01-01", "metric": "leads"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "date_from": ["Choose a day between 01.01.1900 and 31.12.2999."]
    }
    assert list(response.context["page"]) == []
