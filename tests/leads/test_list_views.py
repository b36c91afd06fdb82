"""The three views of the same leads (table, grid, kanban), the one filter bar they share,
and saved views: a user's own, a manager's shared with the branch."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from crm.core.models import SavedView
from crm.core.services import SAVED_VIEWS_PER_LIST, saved_view_save
from tests.factories import InvestmentFactory, LeadFactory, status

pytestmark = pytest.mark.django_db

LIST = reverse("leads:list")
KANBAN = reverse("leads:kanban")


@pytest.fixture(autouse=True)
def in_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def leads(advisor, teammate, manager):
    """Three leads of the branch: two of the advisor's (one an offer), one of a teammate."""
    akacjowa, tarasy = InvestmentFactory(name="Akacjowa"), InvestmentFactory(name="Tarasy")
    made = {
        "Kawalerka": LeadFactory(name="Kawalerka", branch=advisor.branch, employees=[advisor]),
        "Dom": LeadFactory(
            name="Dom", status=status("oferta"), branch=advisor.branch, employees=[advisor]
        ),
        "Segment": LeadFactory(name="Segment", branch=advisor.branch, employees=[teammate]),
    }
    made["Kawalerka"].investments.add(akacjowa)
    made["Segment"].investments.add(tarasy)
    return made


def card_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="lead-card-(\d+)"', response.text)]


def table_ids(response) -> list[int]:
    return [row.record.pk for row in response.context["table"].paginated_rows]


# -- The grid ------------------------------------------------------------------------------


def test_the_grid_shows_the_tables_leads_as_cards_in_the_same_order(client, manager, leads):
    client.force_login(manager)
    query = {"sort": "name", "status": [status("nowy").pk, status("oferta").pk]}
    table = client.get(LIST, query)
    grid = client.get(LIST, {**query, "view": "grid"})
    assert card_ids(grid) == table_ids(table) == [
        leads["Dom"].pk, leads["Kawalerka"].pk, leads["Segment"].pk
    ]  # fmt: skip
    assert 'id="lead-table"' not in grid.text
    # Each card can be selected for the bulk actions, as a row can.
    assert f'name="selected" value="{leads["Dom"].pk}"' in grid.text
    assert "Select all on this page" in grid.text


def test_the_grid_pages_like_the_table(client, manager):
    for n in range(30):
        LeadFactory(name=f"Sprawa {n:02}", branch=manager.branch, employees=[manager])
    client.force_login(manager)
    first = client.get(LIST, {"view": "grid", "per_page": 25, "sort": "name"})
    second = client.get(LIST, {"view": "grid", "per_page": 25, "sort": "name", "page": 2})
    assert len(card_ids(first)) == 25 and len(card_ids(second)) == 5
    assert not set(card_ids(first)) & set(card_ids(second))
    assert 'rel="next"' in first.text and "view=grid" in re.search(
        r'href="([^"]+)" rel="next"', first.text
    ).group(1)


def test_the_grid_costs_the_queries_of_the_table(client, manager, leads, django_assert_num_queries):
    client.force_login(manager)
    client.get(LIST)  # the session's first read of the language etc. out of the way
    with django_assert_num_queries(16):
        client.get(LIST, {"view": "grid"})


def test_the_grid_with_nothing_found_says_so(client, manager, leads):
    client.force_login(manager)
    response = client.get(LIST, {"view": "grid", "q": "nikogo takiego"})
    assert "No leads match" in response.text
    assert card_ids(response) == []


# -- One filter bar, carried between the views -----------------------------------------------


def test_switching_views_keeps_the_filters_search_and_sort(client, manager, leads):
    client.force_login(manager)
    employee = leads["Dom"].employees.first().pk
    response = client.get(LIST, {"q": "Dom", "employee": employee, "sort": "name", "page": "1"})
    links = dict(re.findall(r'href="([^"]+)" id="view-(\w+)"', response.text))
    links = {name: url.replace("&amp;", "&") for url, name in links.items()}
    assert links["kanban"] == f"{KANBAN}?q=Dom&employee={employee}&sort=name"
    assert links["grid"] == f"{LIST}?view=grid&q=Dom&employee={employee}&sort=name"
    board = client.get(links["kanban"])
    assert [lead.name for column in board.context["board"].columns for lead in column.cards] == [
        "Dom"
    ]


def test_filtering_in_place_redraws_the_view_links_and_the_export(client, manager, leads):
    """The list's filters redraw the results without a reload (htmx): the links to the
    other views and the export must follow, or they would show the filters of before."""
    client.force_login(manager)
    response = client.get(LIST, {"q": "Segment"}, HTTP_HX_REQUEST="true")
    assert 'id="lead-views" hx-swap-oob="true"' in response.text
    assert f'href="{KANBAN}?q=Segment" id="view-kanban"' in response.text
    assert f'action="{reverse("leads:export")}?q=Segment"' in response.text
    assert 'id="saved-views" hx-swap-oob="true"' in response.text


def test_the_kanban_has_the_lists_filter_bar(client, manager, leads):
    client.force_login(manager)
    response = client.get(KANBAN, {"investment": leads["Segment"].investments.first().pk})
    assert 'id="lead-filters"' in response.text
    for name in ("status", "source", "employee", "investment", "created_after", "consent"):
        assert f'name="{name}"' in response.text
    cards = [lead.name for column in response.context["board"].columns for lead in column.cards]
    assert cards == ["Segment"]


def test_employees_and_investments_are_chosen_several_at_once(
    client, manager, advisor, teammate, leads
):
    client.force_login(manager)
    both = client.get(LIST, {"employee": [advisor.pk, teammate.pk]})
    assert {row.record.name for row in both.context["table"].paginated_rows} == {
        "Kawalerka", "Dom", "Segment"
    }  # fmt: skip
    investments = [lead.investments.first().pk for lead in (leads["Kawalerka"], leads["Segment"])]
    chosen = client.get(LIST, {"investment": investments})
    assert {row.record.name for row in chosen.context["table"].paginated_rows} == {
        "Kawalerka", "Segment"
    }  # fmt: skip
    # The picker's summary names what is ticked; untouched, it says "all", never "---------".
    assert "---------" not in chosen.text
    assert re.search(r"data-choice-summary>Akacjowa, Tarasy</span>", chosen.text)
    assert re.search(r"data-choice-summary>all</span>", chosen.text)


def test_an_employee_of_another_branch_is_refused_next_to_the_field(
    client, manager, outsider, leads
):
    client.force_login(manager)
    response = client.get(LIST, {"employee": outsider.pk})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["employee"]
    assert 'class="field__error"' in response.text


# -- Saved views --------------------------------------------------------------------------------


def save(client, **data):
    return client.post(reverse("leads:view_save"), {"layout": "table", "query": "", **data})


def test_an_advisor_saves_the_grid_of_offers_and_opens_it_from_the_menu(client, advisor, leads):
    client.force_login(advisor)
    offers = status("oferta").pk
    response = save(
        client, name="  Moje   oferty ", layout="grid", query=f"status={offers}&sort=name&page=3"
    )
    view = SavedView.objects.get(owner=advisor)
    assert view.name == "Moje oferty"
    assert view.query == f"status={offers}&sort=name"  # the page is no part of a view
    assert response.url == f"{LIST}?view=grid&status={offers}&sort=name&saved={view.pk}"
    opened = client.get(response.url)
    assert card_ids(opened) == [leads["Dom"].pk]
    assert re.search(rf'chip chip--current" href="{reverse("leads:view_open", args=[view.pk])}"',
                     opened.text)  # fmt: skip
    # The menu of the plain list offers it too.
    assert "Moje oferty" in client.get(LIST).text
    assert client.get(reverse("leads:view_open", args=[view.pk])).url == response.url


def test_a_view_keeps_its_columns(client, advisor, leads):
    client.force_login(advisor)
    view = saved_view_save(
        user=advisor, list_name="leads", name="Telefony", query="", columns=["phone"],
        layout="table",
    )  # fmt: skip
    shown = client.get(LIST, {"saved": view.pk})
    assert [column.name for column in shown.context["table"].columns] == ["select", "name", "phone"]
    # Choosing columns while looking at one's own view changes that view's columns.
    client.post(
        reverse("leads:columns"),
        {"columns": ["status", "email"], "per_page": "25", "next": f"{LIST}?saved={view.pk}"},
    )
    view.refresh_from_db()
    assert view.columns == ["status", "email"]


def test_a_kanban_view_opens_the_board(client, manager, leads):
    client.force_login(manager)
    response = save(client, name="Tablica", layout="kanban", query="q=Dom")
    view = SavedView.objects.get(name="Tablica")
    assert response.url == f"{KANBAN}?q=Dom&saved={view.pk}"
    board = client.get(response.url)
    assert "chip chip--current" in board.text


def test_a_personal_view_is_nobody_elses(client, advisor, teammate, manager, leads):
    view = saved_view_save(
        user=advisor, list_name="leads", name="Moje", query="q=Dom", columns=[], layout="table"
    )
    for other in (teammate, manager):
        client.force_login(other)
        assert client.get(reverse("leads:view_open", args=[view.pk])).status_code == 404
        assert client.post(reverse("leads:view_delete", args=[view.pk])).status_code == 404
        # Its id in the list's address shows nothing of it.
        assert "Moje" not in client.get(LIST, {"saved": view.pk}).text
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_manager_shares_a_view_with_the_branch_only(
    client, manager, advisor, outsider, administrator, leads
):
    client.force_login(manager)
    save(client, name="Bez kroku", query="no_next_step=true", shared="on")
    view = SavedView.objects.get(name="Bez kroku")
    assert view.shared and view.branch == manager.branch
    client.force_login(advisor)
    assert "Bez kroku" in client.get(LIST).text
    assert client.get(reverse("leads:view_open", args=[view.pk])).status_code == 302
    # A shared view is its owner's to delete, not the branch's.
    response = client.post(reverse("leads:view_delete", args=[view.pk]), follow=True)
    assert "Only the view&#x27;s owner can delete it." in response.text
    assert SavedView.objects.filter(pk=view.pk).exists()
    client.force_login(outsider)
    assert client.get(reverse("leads:view_open", args=[view.pk])).status_code == 404
    client.force_login(administrator)
    assert client.get(reverse("leads:view_open", args=[view.pk])).status_code == 302


def test_an_advisor_cannot_share_a_view(client, advisor, leads):
    client.force_login(advisor)
    response = save(client, name="Dla wszystkich", shared="on", query="q=Dom")
    assert not SavedView.objects.exists()
    assert "Only managers and administrators share views." in client.get(response.url).text


def test_saving_under_a_name_one_has_replaces_that_view(advisor, leads):
    first = saved_view_save(
        user=advisor, list_name="leads", name="Oferty", query="q=A", columns=[], layout="table"
    )
    second = saved_view_save(
        user=advisor, list_name="leads", name="OFERTY", query="q=B", columns=[], layout="grid"
    )
    assert second.pk == first.pk
    assert SavedView.objects.get().query == "q=B"


def test_a_view_needs_a_name_and_the_menu_has_a_limit(client, advisor, leads):
    client.force_login(advisor)
    response = save(client, name="   ")
    assert (
        "Give the view a name." in client.get(response.url).text or not SavedView.objects.exists()
    )
    assert not SavedView.objects.exists()
    for n in range(SAVED_VIEWS_PER_LIST):
        saved_view_save(
            user=advisor, list_name="leads", name=f"W{n}", query="", columns=[], layout="table"
        )
    with pytest.raises(ValidationError) as refused:
        saved_view_save(
            user=advisor, list_name="leads", name="Jeszcze", query="", columns=[], layout="table"
        )
    assert "the most there can be" in refused.value.messages[0]


def test_the_owner_deletes_a_view_after_confirming(client, advisor, leads):
    view = saved_view_save(
        user=advisor, list_name="leads", name="Stary", query="", columns=[], layout="table"
    )
    client.force_login(advisor)
    page = client.get(LIST, {"saved": view.pk})
    assert 'data-confirm="Delete the view “Stary”? The leads stay as they are."' in page.text
    response = client.post(reverse("leads:view_delete", args=[view.pk]))
    assert response.url == LIST
    assert not SavedView.objects.exists()


def test_a_hostile_saved_view_query_is_checked_by_the_filters(client, advisor, leads):
    client.force_login(advisor)
    response = save(client, name="Zły", query="employee=abc&status=zz&sort=' OR 1=1")
    opened = client.get(response.url)
    assert opened.status_code == 200
    assert opened.context["filter"].form.errors
