"""The sources report: exact numbers on a hand-made data set, scoping, filters, drill-down,
the chart and the export showing the table's numbers, and a constant number of queries."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.core.excel import XLSX_CONTENT_TYPE
from reports.filters import default_date_from
from tests.factories import LeadFactory, source

from .conftest import PERIOD, at, export_xlsx

pytestmark = pytest.mark.django_db

URL = reverse("reports:sources")
# Columns: source, leads, verified, deleted, linked, converted, offer, reservation, won,
# failed, conversion %.
WWW = ["www", 3, 2, 1, 1, 1, 2, 1, 1, 1, 33.3]
FACEBOOK_BRANCH = ["Facebook", 2, 1, 0, 1, 0, 0, 0, 0, 0, 0.0]


def _tables(client, user, **params):
    client.force_login(user)
    response = client.get(URL, {**PERIOD, **params})
    assert response.status_code == 200
    return response, {str(table.title): table for table in response.context["tables"]}


def _summary(tables):
    return next(iter(tables.values()))


def test_manager_sees_every_number_per_source_and_the_total(client, manager, report_data):
    _response, tables = _tables(client, manager)
    summary = _summary(tables)
    assert summary.values() == [WWW, FACEBOOK_BRANCH, ["Total", 5, 3, 1, 2, 1, 2, 1, 1, 1, 20.0]]


def test_sources_by_month_counts_leads_not_deleted(client, manager, report_data):
    _response, tables = _tables(client, manager)
    months = list(tables.values())[1]
    assert [str(column.header) for column in months.columns][1:4] == [
        "01.2026",
        "02.2026",
        "03.2026",
    ]
    assert months.values() == [["Facebook", 0, 0, 2, 2], ["www", 2, 1, 0, 3]]


def test_advisor_sees_only_the_numbers_of_own_leads(client, advisor, report_data):
    _response, tables = _tables(client, advisor)
    assert _summary(tables).values()[:2] == [
        WWW,
        ["Facebook", 1, 1, 0, 1, 0, 0, 0, 0, 0, 0.0],
    ]


def test_manager_of_another_branch_sees_none_of_this_branch(client, other_manager, report_data):
    _response, tables = _tables(client, other_manager)
    assert _summary(tables).values()[0] == ["Facebook", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0.0]
    assert len(_summary(tables).rows) == 1


def test_outsider_advisor_sees_only_own_branch_lead(client, outsider, report_data):
    _response, tables = _tables(client, outsider)
    assert [row[0] for row in _summary(tables).values()] == ["Facebook", "Total"]
    assert _summary(tables).values()[0][1] == 1


def test_administrator_sees_every_branch(client, administrator, report_data):
    _response, tables = _tables(client, administrator)
    rows = {row[0]: row for row in _summary(tables).values()}
    assert rows["Facebook"][1] == 3
    assert rows["www"] == WWW


def test_default_period_is_the_last_twelve_months(client, manager, report_data):
    client.force_login(manager)
    response = client.get(URL)
    assert response.context["form"].period == (default_date_from(), timezone.localdate())
    assert default_date_from(date(2026, 3, 15)) == date(2025, 4, 1)
    months = response.context["tables"][1]
    assert len(months.columns) == 12 + 2  # source, 12 months, total


def test_filters_live_in_the_url(client, manager, teammate, report_data):
    _response, tables = _tables(client, manager, source=source("facebook").pk)
    assert _summary(tables).values()[0] == FACEBOOK_BRANCH
    _response, tables = _tables(client, manager, advisor=teammate.pk)
    assert _summary(tables).values()[0] == ["Facebook", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0.0]
    _response, tables = _tables(client, manager, date_from="2026-03-01")
    assert _summary(tables).values()[0] == FACEBOOK_BRANCH


def test_advisor_cannot_filter_by_a_teammate(client, advisor, teammate, report_data):
    client.force_login(advisor)
    response = client.get(URL, {**PERIOD, "advisor": teammate.pk})
    assert response.status_code == 200
    assert "advisor" in response.context["form"].errors
    assert response.context["tables"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "31.02.2026"},
        {"date_from": "nonsense"},
        {"date_from": "2026-03-01", "date_to": "2026-01-01"},
        {"source": "999999"},
        {"branch": "x"},
    ],
)
def test_bad_filters_show_an_error_never_a_500(client, administrator, report_data, params):
    client.force_login(administrator)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["tables"] == []
    for method in (client.get, client.post):
        answer = method(f"{URL}?{urlencode({**params, 'format': 'xlsx'})}")
        assert answer["Content-Type"].startswith("text/html")


def test_every_number_links_to_the_leads_behind_it(client, manager, report_data):
    _response, tables = _tables(client, manager)
    www = _summary(tables).rows[0]
    offer_cell = www[6]
    response = client.get(offer_cell.url)
    assert response.status_code == 200
    shown = {lead.pk for lead in response.context["page"]}
    assert shown == {report_data["L1"].pk, report_data["L2"].pk}
    deleted = client.get(www[3].url)
    assert {lead.pk for lead in deleted.context["page"]} == {report_data["L3"].pk}


def test_month_cells_link_to_that_month(client, manager, report_data):
    response, tables = _tables(client, manager)
    www_january = list(tables.values())[1].rows[1][1]
    leads = client.get(www_january.url).context["page"]
    assert {lead.pk for lead in leads} == {report_data["L1"].pk, report_data["L2"].pk}
    february = response.context["month_links"][1]
    detail = client.get(february["url"])
    assert _summary({"s": detail.context["tables"][0]}).values()[0] == [
        "www", 1, 0, 1, 0, 0, 0, 0, 0, 1, 0.0,
    ]  # fmt: skip


def test_drilldown_is_scoped_to_the_user(client, outsider, report_data):
    client.force_login(outsider)
    response = client.get(reverse("reports:leads"), {**PERIOD, "metric": "leads"})
    assert {lead.pk for lead in response.context["page"]} == {report_data["L7"].pk}


def test_chart_shows_the_numbers_of_the_table(client, manager, report_data):
    response, _tables_ = _tables(client, manager)
    html = response.content.decode()
    assert html.count('class="chart__svg"') == 2
    assert "<title" in html
    bars = response.context["charts"][0]["bars"]
    assert [(bar["label"], bar["value"]) for bar in bars] == [("www", 3), ("Facebook", 2)]
    assert "www: 3</title>" in html and "Facebook: 2</title>" in html
    lines = response.context["charts"][1]["lines"]
    assert {line["name"]: [p["value"] for p in line["points"]] for line in lines} == {
        "Facebook": [0, 0, 2],
        "www": [2, 1, 0],
    }


def test_export_holds_exactly_the_tables_on_screen(client, manager, report_data):
    _response, tables = _tables(client, manager)
    response = export_xlsx(client, URL, PERIOD)
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(workbook.worksheets) == len(tables)
    for sheet, table in zip(workbook.worksheets, tables.values(), strict=True):
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[0] == [str(column.header) for column in table.columns]
        assert rows[1:] == table.values()


def test_export_keeps_a_formula_looking_source_name_as_text(client, administrator, branch):
    www = source("www")
    www.name = '=HYPERLINK("http://x")'
    www.save()
    LeadFactory(branch=branch, source=www, created_at=at(date(2026, 2, 1)))
    client.force_login(administrator)
    response = export_xlsx(client, URL, PERIOD)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    cell = sheet["A2"]
    assert cell.value == www.name and cell.data_type == "s"


def test_query_count_does_not_grow_with_leads(
    client, manager, advisor, report_data, counting, django_assert_num_queries
):
    client.force_login(manager)
    # A new lead in February: with tallies, that month is counted row by row beside them.
    LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2026, 2, 1)))
    client.get(URL, PERIOD)  # warm the session and the content types
    with django_assert_num_queries(QUERIES[counting]):
        client.get(URL, PERIOD)
    for day in range(2, 20):
        LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2026, 2, day)))
    with django_assert_num_queries(QUERIES[counting]):
        client.get(URL, PERIOD)


# Session and user, the filter form's choices (branch, investment, source, advisor), the
# report's work_mem, the tallied months, the per-source count and the sources × months
# one, each followed by its sources' names. From tallies: also the months' change marks
# and a second query for each count.
QUERIES = {"rows": 12, "tallies": 15}


@pytest.mark.parametrize(
    "name", ["index", "sources", "funnel", "response_times", "repeat", "leads"]
)
def test_anonymous_is_sent_to_log_in(client, name):
    response = client.get(reverse(f"reports:{name}"))
    assert response.status_code == 302
    assert "/login/" in response["Location"] or "login" in response["Location"]
