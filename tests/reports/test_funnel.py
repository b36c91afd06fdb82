"""The funnel report: statuses reached (from the lead history), failure reasons, advisors."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import LeadFactory

from .conftest import PERIOD, at, export_xlsx

pytestmark = pytest.mark.django_db

URL = reverse("reports:funnel")


def _tables(client, user, **params):
    client.force_login(user)
    response = client.get(URL, {**PERIOD, **params})
    assert response.status_code == 200
    return response, list(response.context["tables"])


def test_leads_reaching_each_status_count_the_history(client, manager, report_data):
    _response, (steps, *_rest) = _tables(client, manager)
    # L1, L2, L4, L5, L6 (L3 deleted); L4 was at "Oferta" before going back to "Nowy", L2
    # jumped straight to "Umowa" and counts for every step on the way.
    assert steps.values() == [
        ["Nowy", 5, None],
        ["Oferta", 4, 80.0],
        ["Oczekujący", 1, 25.0],
        ["Lead aktywny", 1, 100.0],
        ["Wstępnie wybrany lokal", 1, 100.0],
        ["Weryfikacja zdolności kredytowej", 1, 100.0],
        ["Negocjacje", 1, 100.0],
        ["Rezerwacja wstępna", 1, 100.0],
        ["Umowa", 1, 100.0],
    ]


def test_failure_reasons_with_share_and_status_at_failure(client, manager, report_data):
    _response, (_steps, reasons, by_status, _advisors) = _tables(client, manager)
    assert reasons.values() == [["Cena", 1, 100.0], ["Total", 1, 100.0]]
    assert by_status.values() == [["Cena", "Nowy", 1]]


def test_per_advisor_leads_won_failed_conversion_and_median(client, manager, report_data):
    _response, tables = _tables(client, manager)
    # Anna: L1 (first call after 90 min), L2 (first email after 20), L4, L5 → median 55.
    assert tables[3].values() == [
        ["Anna Wiśniewska", 4, 1, 1, 25.0, 55.0],
        ["Piotr Zieliński", 1, 0, 0, 0.0, None],
    ]


def test_advisor_sees_only_own_row(client, advisor, report_data):
    _response, tables = _tables(client, advisor)
    assert tables[3].values() == [["Anna Wiśniewska", 4, 1, 1, 25.0, 55.0]]
    assert tables[0].values()[0] == ["Nowy", 4, None]


def test_other_branch_sees_none_of_these_numbers(client, other_manager, report_data):
    _response, tables = _tables(client, other_manager)
    assert tables[0].values()[0] == ["Nowy", 1, None]
    assert tables[1].values() == []
    assert [row[0] for row in tables[3].values()] == ["Marek Obcy"]


def test_funnel_chart_is_drawn_from_the_steps(client, manager, report_data):
    response, _tables_ = _tables(client, manager)
    funnel = response.context["charts"][0]
    assert funnel["kind"] == "funnel"
    assert [bar["value"] for bar in funnel["bars"]] == [5, 4, 1, 1, 1, 1, 1, 1, 1]
    assert "Oferta: 4</title>" in response.content.decode()


def test_query_count_does_not_grow_with_leads(
    client, manager, advisor, report_data, counting, django_assert_num_queries
):
    client.force_login(manager)
    # A new lead in February: with tallies, that month is counted row by row beside them.
    LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2026, 2, 1)))
    client.get(URL, PERIOD)
    with django_assert_num_queries(QUERIES[counting]):
        client.get(URL, PERIOD)
    for day in range(2, 15):
        LeadFactory(branch=advisor.branch, employees=[advisor], created_at=at(date(2026, 2, day)))
    with django_assert_num_queries(QUERIES[counting]):
        client.get(URL, PERIOD)


# Session, user, form choices (4), the report's work_mem, the tallied months, statuses,
# the furthest-status count, the failure count with its reasons' and statuses' names, the
# advisor count, their medians and their names. From tallies: also the months' change
# marks and a second query for each of the three counts.
QUERIES = {"rows": 16, "tallies": 20}


def test_export_matches_the_tables(client, manager, report_data):
    import io

    from openpyxl import load_workbook

    _response, tables = _tables(client, manager)
    response = export_xlsx(client, URL, PERIOD)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    for sheet, table in zip(workbook.worksheets, tables, strict=True):
        assert [list(row) for row in sheet.iter_rows(values_only=True)][1:] == table.values()


def test_advisors_median_reads_as_a_span_and_the_export_keeps_minutes(client, manager, report_data):
    import io

    from openpyxl import load_workbook

    response, tables = _tables(client, manager)
    advisors = response.content.decode().split("<h2>Advisors</h2>")[1]
    # Anna's median first contact, 55 minutes: read as a span like the response times.
    assert '<th scope="col">Median time to first contact</th>' in advisors
    assert "55 min" in advisors and "55.0" not in advisors
    response = export_xlsx(client, URL, PERIOD)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.worksheets[3].iter_rows(values_only=True))
    assert rows[0][5] == "Median time to first contact (min)"
    assert rows[1][5] == 55.0  # a number a spreadsheet can sum


def test_the_filters_empty_choices_read_all(client, administrator):
    with translation.override("en"):
        client.force_login(administrator)
        html = client.get(reverse("reports:funnel"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "---------" not in html
    for name in ("branch", "investment", "source", "advisor"):
        assert re.search(rf'name="{name}"[^>]*>\s*<option value="" selected>all</option>', html)
