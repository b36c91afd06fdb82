"""What the lead list, its kanban and its export do with an address nobody's click makes:
a page size the list does not offer, ids that are not ids, page numbers and offsets past
any list. Each was a 500 or a page of every lead; now the list answers with what it
offers and says why."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import ClientFactory, LeadFactory, status

pytestmark = pytest.mark.django_db

LIST = reverse("leads:list")
NOT_OFFERED = "A page shows at most 100 rows; the sizes on offer are 25, 50, 100."


@pytest.fixture
def thirty_leads(advisor):
    return [
        LeadFactory(name=f"Sprawa {number:02}", branch=advisor.branch, employees=[advisor])
        for number in range(30)
    ]


def rows(response) -> list[str]:
    return [row.record.name for row in response.context["table"].paginated_rows]


def test_five_thousand_rows_per_page_are_not_offered_and_the_list_says_so(web, thirty_leads):
    response = web.get(LIST, {"per_page": "5000"})

    assert response.status_code == 200
    assert len(rows(response)) == 25
    assert NOT_OFFERED in response.text


def test_an_offered_page_size_shows_that_many_rows_without_a_word(web, thirty_leads):
    response = web.get(LIST, {"per_page": "50"})

    assert len(rows(response)) == 30
    assert NOT_OFFERED not in response.text


@pytest.mark.parametrize("per_page", ["²", "-1", "99999999999999999999", "abc"])
def test_a_page_size_that_is_no_number_gives_the_first_size(web, thirty_leads, per_page):
    response = web.get(LIST, {"per_page": per_page})

    assert response.status_code == 200
    assert len(rows(response)) == 25
    assert NOT_OFFERED in response.text


@pytest.mark.parametrize("number", ["99999999999999999999", "1000000001", "-1", "²", "1e309"])
def test_a_page_number_past_any_list_shows_the_first_page(web, thirty_leads, number):
    response = web.get(LIST, {"page": number})

    assert response.status_code == 200
    assert len(rows(response)) == 25


def test_the_second_page_is_still_the_second_page(web, thirty_leads):
    assert len(rows(web.get(LIST, {"page": "2"}))) == 5


def test_ids_that_are_not_ids_select_no_lead_and_say_so(web, thirty_leads):
    response = web.get(LIST, {"id": "abc,3"})

    assert response.status_code == 200
    assert rows(response) == []
    assert "Selected leads: Enter a whole number." in response.text


def test_an_id_past_any_database_selects_no_lead(web, thirty_leads):
    response = web.get(LIST, {"id": f"{thirty_leads[0].pk},99999999999999999999"})

    assert response.status_code == 200
    assert rows(response) == []


def test_the_selected_ids_still_select_those_leads(web, thirty_leads):
    chosen = thirty_leads[:2]

    response = web.get(LIST, {"id": ",".join(str(lead.pk) for lead in chosen)})

    assert sorted(rows(response)) == ["Sprawa 00", "Sprawa 01"]


def test_a_client_filter_that_is_no_id_shows_no_lead(web, advisor, thirty_leads):
    ClientFactory(branch=advisor.branch, caretaker=advisor)

    response = web.get(LIST, {"client": "1e309"})

    assert rows(response) == []
    assert "Client: Enter a whole number." in response.text


def test_an_export_of_ids_that_are_not_ids_exports_no_lead(web, thirty_leads):
    response = web.post(f"{reverse('leads:export')}?id=abc")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 1  # the header row only, not the thirty leads


def test_a_kanban_column_offset_that_is_no_position_starts_the_column_again(web, thirty_leads):
    column = reverse("leads:kanban_column", args=[status("nowy").pk])

    assert len(web.get(column, {"offset": "24"}).context["cards"]) == 6
    for offset in ("99999999999999999999", "1000000001", "-1", "²"):
        response = web.get(column, {"offset": offset})
        assert response.status_code == 200
        assert len(response.context["cards"]) == 12  # the column's first cards


def test_a_kanban_board_of_ids_that_are_not_ids_is_empty(web, thirty_leads):
    response = web.get(reverse("leads:kanban"), {"id": "abc"})

    assert response.status_code == 200
    assert "Sprawa 00" not in response.text
