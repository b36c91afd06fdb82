"""Every number of a report links to the leads behind it, within the user's scope and the
report's filters; broken links show a message, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.models import FailureReason
from tests.factories import InvestmentFactory, status

from .conftest import PERIOD

pytestmark = pytest.mark.django_db

URL = reverse("reports:leads")


def _pks(client, url, **params):
    response = client.get(url, params) if params else client.get(url)
    assert response.status_code == 200
    return {lead.pk for lead in response.context["page"]}


def _keys(report_data, *keys):
    return {report_data[key].pk for key in keys}


def test_funnel_step_lists_the_leads_that_reached_it(client, manager, report_data):
    client.force_login(manager)
    steps = client.get(reverse("reports:funnel"), PERIOD).context["tables"][0]
    offer_step = steps.rows[1][1]
    assert offer_step.value == 4
    assert _pks(client, offer_step.url) == _keys(report_data, "L1", "L2", "L4", "L6")


def test_failure_reason_numbers_list_their_failed_leads(client, manager, report_data):
    client.force_login(manager)
    tables = client.get(reverse("reports:funnel"), PERIOD).context["tables"]
    assert _pks(client, tables[1].rows[0][1].url) == _keys(report_data, "L4")
    assert _pks(client, tables[2].rows[0][2].url) == _keys(report_data, "L4")
    other = FailureReason.objects.get(name="Lokalizacja")
    assert _pks(client, URL, **PERIOD, metric="failed", reason=other.pk) == set()


def test_repeat_numbers_list_their_leads(client, manager, report_data):
    client.force_login(manager)
    (table,) = client.get(reverse("reports:repeat"), PERIOD).context["tables"]
    assert _pks(client, table.rows[0][2].url) == _keys(report_data, "L2")
    assert _pks(client, table.rows[2][4].url) == _keys(report_data, "L5")
    assert _pks(client, table.rows[1][1].url) == _keys(report_data, "L4")


def test_advisor_numbers_list_the_advisors_leads(client, manager, report_data):
    client.force_login(manager)
    advisors = client.get(reverse("reports:funnel"), PERIOD).context["tables"][3]
    assert _pks(client, advisors.rows[1][1].url) == _keys(report_data, "L6")
    assert _pks(client, advisors.rows[0][2].url) == _keys(report_data, "L2")


def test_drilldown_never_shows_leads_outside_the_scope(client, advisor, report_data):
    client.force_login(advisor)
    reached = _pks(client, URL, **PERIOD, metric="reached", status=status("nowy").pk)
    assert reached == _keys(report_data, "L1", "L2", "L4", "L5")


@pytest.mark.parametrize(
    "params", [{"status": "999999"}, {"reason": "abc"}, {"date_to": "2026-13-40"}]
)
def test_a_broken_drilldown_link_shows_a_message(client, manager, report_data, params):
    client.force_login(manager)
    response = client.get(URL, {**PERIOD, "metric": "failed", **params})
    assert response.status_code == 200
    assert len(response.context["page"]) == 0


def test_investment_filter_narrows_every_number(client, manager, report_data):
    investment = InvestmentFactory()
    report_data["L1"].investments.add(investment)
    report_data["L5"].investments.add(investment)
    client.force_login(manager)
    response = client.get(reverse("reports:sources"), {**PERIOD, "investment": investment.pk})
    summary = response.context["tables"][0]
    assert [row[:3] for row in summary.values()] == [
        ["Facebook", 1, 1],
        ["www", 1, 1],
        ["Total", 2, 2],
    ]
    assert _pks(client, summary.total[1].url) == _keys(report_data, "L1", "L5")


def test_administrator_filters_by_branch(client, administrator, outsider, report_data):
    client.force_login(administrator)
    response = client.get(reverse("reports:sources"), {**PERIOD, "branch": outsider.branch_id})
    assert response.context["tables"][0].values()[0][:2] == ["Facebook", 1]


def test_manager_cannot_pick_another_branch(client, manager, outsider, report_data):
    client.force_login(manager)
    response = client.get(reverse("reports:sources"), {**PERIOD, "branch": outsider.branch_id})
    assert "branch" in response.context["form"].errors


def test_without_postgresql_percentiles_the_medians_are_computed_from_the_moments(
    client, manager, report_data, monkeypatch
):
    # SQLite (the demo) has no PERCENTILE_CONT: the same medians come from the moments.
    for module in ("reports.selectors.funnel", "reports.selectors.timing"):
        monkeypatch.setattr(f"{module}.percentiles_in_sql", lambda: False)
    client.force_login(manager)
    response = client.get(reverse("reports:response_times"), PERIOD)
    times = response.context["tables"][0]
    assert times.values() == [
        ["Lead created → client created", 2, 20.0, 28.0],
        ["Client created → first call", 1, 60.0, 60.0],
        ["Client created → first email", 1, 10.0, 10.0],
        ["Client created → first meeting", 0, None, None],
        ["Lead created → first conversation", 2, 55.0, 83.0],
    ]
    advisors = client.get(reverse("reports:funnel"), PERIOD).context["tables"][3]
    assert advisors.values() == [
        ["Anna Wiśniewska", 4, 1, 1, 25.0, 55.0],
        ["Piotr Zieliński", 1, 0, 0, 0.0, None],  # never contacted: no median
    ]
