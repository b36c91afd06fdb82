"""Response times: median and 90th percentile minutes, and the leads over the SLA."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from settings_app.selectors import crm_settings
from tests.factories import ClientFactory

from .conftest import PERIOD, export_xlsx

pytestmark = pytest.mark.django_db

URL = reverse("reports:response_times")


def _tables(client, user, **params):
    client.force_login(user)
    response = client.get(URL, {**PERIOD, **params})
    assert response.status_code == 200
    return response, list(response.context["tables"])


def test_median_and_p90_minutes_of_each_span(client, manager, report_data):
    _response, (times, _over) = _tables(client, manager)
    # Client created after 30 (L1) and 10 (L2) minutes; L1 called 60 minutes after its
    # client, L2 emailed 10 minutes after; first conversation after 90 and 20 minutes.
    assert times.values() == [
        ["Lead created → client created", 2, 20.0, 28.0],
        ["Client created → first call", 1, 60.0, 60.0],
        ["Client created → first email", 1, 10.0, 10.0],
        ["Client created → first meeting", 0, None, None],
        ["Lead created → first conversation", 2, 55.0, 83.0],
    ]


def test_leads_over_the_sla_are_listed(client, manager, report_data):
    _response, (_times, over) = _tables(client, manager)
    # L1 (first call after 90 > 60 minutes) and L4, L5, L6 never contacted; L2 in time,
    # L3 deleted.
    assert [row[0].url for row in over.rows] == [
        report_data[key].get_absolute_url() for key in ("L6", "L5", "L4", "L1")
    ]
    assert over.rows[-1][5].value == 90


def test_the_sla_list_names_each_leads_client_first(client, manager, report_data):
    report_data["L1"].clients.add(
        ClientFactory(first_name="Jan", last_name="Sławny", branch=report_data["L1"].branch)
    )
    _response, (_times, over) = _tables(client, manager)
    assert str(over.rows[-1][0].value).startswith("Jan Sławny")


def test_the_sla_threshold_is_a_setting(client, manager, report_data):
    settings = crm_settings()
    settings.sla_first_contact_minutes = 120
    settings.save()
    response, (_times, over) = _tables(client, manager)
    assert len(over.rows) == 3
    assert "120" in response.content.decode()


def test_advisor_sees_response_times_of_own_leads(client, advisor, teammate, report_data):
    _response, (_times, over) = _tables(client, advisor)
    assert report_data["L6"].get_absolute_url() not in [row[0].url for row in over.rows]
    _response, (times, over) = _tables(client, teammate)
    assert times.values()[4] == ["Lead created → first conversation", 0, None, None]
    assert [row[0].url for row in over.rows] == [report_data["L6"].get_absolute_url()]


def test_sla_list_is_paginated(client, manager, report_data, monkeypatch):
    monkeypatch.setattr("reports.views.response_times.SLA_PER_PAGE", 3)
    response, (_times, over) = _tables(client, manager)
    assert len(over.rows) == 3
    assert "page=2" in response.content.decode()
    _response, (_times, over) = _tables(client, manager, page=2)
    assert [row[0].url for row in over.rows] == [report_data["L1"].get_absolute_url()]
    _response, (_times, over) = _tables(client, manager, page="abc")
    assert len(over.rows) == 3


def test_export_matches_the_page(client, manager, report_data):
    _response, tables = _tables(client, manager)
    response = export_xlsx(client, URL, PERIOD)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    times = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert times[1:] == tables[0].values()
    over = [list(row) for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert [row[5] for row in over[1:]] == [row[5] for row in tables[1].values()]
    assert len(over) == 1 + len(tables[1].rows)


def test_the_export_of_a_later_page_holds_that_page(client, manager, report_data, monkeypatch):
    monkeypatch.setattr("reports.views.response_times.SLA_PER_PAGE", 3)
    response, (_times, over) = _tables(client, manager, page=2)
    assert [row[0].url for row in over.rows] == [report_data["L1"].get_absolute_url()]
    export_url = response.context["export_url"]
    assert "page=2" in export_url
    workbook = load_workbook(io.BytesIO(b"".join(client.post(export_url).streaming_content)))
    rows = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [report_data["L1"].name]


def test_query_count_does_not_grow_with_leads(
    client, manager, report_data, django_assert_num_queries
):
    client.force_login(manager)
    client.get(URL, PERIOD)
    # Session, user, form choices (4), the report's work_mem, the percentiles, the
    # settings row, the SLA count and page, and the page's clients (the client first).
    with django_assert_num_queries(12):
        client.get(URL, PERIOD)


def test_the_page_reads_minutes_as_hours_and_the_export_keeps_the_number(
    client, manager, report_data
):
    response, (times, over) = _tables(client, manager)
    page = response.content.decode()
    # L1 waited 90 minutes for its first conversation; the median first conversation, 55.
    assert over.rows[-1][5].value == 90
    assert "1h 30min" in page
    assert "55 min" in page
    assert ">90<" not in page
    assert times.values()[4][2] == 55.0  # what the export writes: minutes, a number


def test_the_chart_reads_the_medians_as_spans(client, manager, report_data):
    response, (times, _over) = _tables(client, manager)
    (chart,) = response.context["charts"]
    assert [bar["value"] for bar in chart["bars"]] == [row[2].value for row in times.rows]
    html = response.content.decode()
    assert "<title>Lead created → first conversation: 55 min</title>" in html
    assert 'text-anchor="end">55 min</text>' in html
