"""The kanban board: columns by status with counts, the list's filters, "more" cards, and
moving a card — refused when the user may not see the lead or may not change its status."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.kanban import CARDS_PER_PAGE, FAILED_COLUMN
from leads.models import Activity, DeletionReason, FailureReason, IntakeOutcome, LeadStatus
from settings_app.models import CRMSettings
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, source, status

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = {"HTTP_ACCEPT": "application/json", **ENGLISH}


def board(client, **params):
    response = client.get(reverse("leads:kanban"), params, **ENGLISH)
    assert response.status_code == 200
    return response


def counts(response) -> dict[int, int]:
    return {column.key: column.count for column in response.context["board"].columns}


def card_names(response, key: int) -> list[str]:
    column = next(c for c in response.context["board"].columns if c.key == key)
    return [lead.name for lead in column.cards]


def move(client, lead, to, **headers):
    return client.post(
        reverse("leads:kanban_move", args=[lead.pk]), {"status": status(to).pk}, **headers
    )


@pytest.fixture
def own_lead(advisor):
    return LeadFactory(name="Kawalerka", branch=advisor.branch, employees=[advisor])


def test_board_has_a_column_per_active_status_in_pipeline_order(client, advisor):
    LeadStatus.objects.filter(slug="oczekujacy").update(active=False)
    client.force_login(advisor)
    response = board(client)
    expected = list(
        LeadStatus.objects.filter(active=True).order_by("order", "id").values_list("pk", flat=True)
    )
    assert [column.key for column in response.context["board"].columns] == expected
    assert status("oczekujacy").pk not in expected
    assert status("umowa").pk == expected[-1]  # the won status has its column too


def test_advisor_sees_only_own_leads_with_counts_per_column(client, advisor, teammate, outsider):
    LeadFactory.create_batch(2, name="Moja nowa", branch=advisor.branch, employees=[advisor])
    LeadFactory(
        name="Moja oferta", status=status("oferta"), branch=advisor.branch, employees=[advisor]
    )
    LeadFactory(name="Kolegi", branch=advisor.branch, employees=[teammate])
    LeadFactory(name="Obca", branch=outsider.branch, employees=[outsider])
    client.force_login(advisor)
    response = board(client)
    assert counts(response)[status("nowy").pk] == 2
    assert counts(response)[status("oferta").pk] == 1
    assert counts(response)[status("negocjacje").pk] == 0
    assert card_names(response, status("nowy").pk) == ["Moja nowa", "Moja nowa"]
    assert "Kolegi" not in response.text
    assert "Obca" not in response.text


def test_manager_sees_the_whole_branch_on_the_board(client, manager, advisor, teammate, outsider):
    LeadFactory(name="Doradcy", branch=advisor.branch, employees=[advisor])
    LeadFactory(name="Kolegi", status=status("oferta"), branch=advisor.branch, employees=[teammate])
    LeadFactory(name="Obca", branch=outsider.branch, employees=[outsider])
    client.force_login(manager)
    response = board(client)
    assert counts(response)[status("nowy").pk] == 1
    assert counts(response)[status("oferta").pk] == 1
    assert card_names(response, status("oferta").pk) == ["Kolegi"]
    assert "Obca" not in response.text


def test_the_lists_filters_apply_to_counts_and_cards(client, manager, advisor, teammate):
    akacjowa = InvestmentFactory(name="Akacjowa")
    turza = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=advisor.branch)
    mine = LeadFactory(
        name="Z Akacjowej", branch=advisor.branch, employees=[advisor], clients=[turza]
    )
    mine.investments.add(akacjowa)
    LeadFactory(
        name="Z portalu",
        status=status("oferta"),
        source=source("obido"),
        branch=advisor.branch,
        employees=[advisor],
    )
    LeadFactory(name="Kolegi", branch=advisor.branch, employees=[teammate])
    client.force_login(manager)
    nowy, oferta = status("nowy").pk, status("oferta").pk

    by_employee = board(client, employee=teammate.pk)
    assert counts(by_employee)[nowy] == 1
    assert card_names(by_employee, nowy) == ["Kolegi"]
    assert counts(by_employee)[oferta] == 0

    by_investment = board(client, investment=akacjowa.pk)
    assert counts(by_investment)[nowy] == 1
    assert card_names(by_investment, nowy) == ["Z Akacjowej"]

    by_source = board(client, source=source("obido").pk)
    assert counts(by_source)[nowy] == 0
    assert card_names(by_source, oferta) == ["Z portalu"]

    by_search = board(client, q="Elzbieta Turza")
    assert sum(counts(by_search).values()) == 1
    assert card_names(by_search, nowy) == ["Z Akacjowej"]


def test_failed_leads_are_hidden_until_asked_for_then_in_a_last_column(client, advisor):
    LeadFactory(name="Otwarta", branch=advisor.branch, employees=[advisor])
    LeadFactory(
        name="Nieudana",
        branch=advisor.branch,
        employees=[advisor],
        failed_at=timezone.now(),
        failure_reason=FailureReason.objects.get(name="Cena"),
    )
    client.force_login(advisor)

    hidden = board(client)
    assert FAILED_COLUMN not in counts(hidden)
    assert counts(hidden)[status("nowy").pk] == 1
    assert "Nieudana" not in hidden.text

    shown = board(client, show_failed="1")
    assert [c.key for c in shown.context["board"].columns][-1] == FAILED_COLUMN
    assert counts(shown)[FAILED_COLUMN] == 1
    assert counts(shown)[status("nowy").pk] == 1
    assert card_names(shown, FAILED_COLUMN) == ["Nieudana"]
    assert "Cena" in shown.text


def test_deleted_inquiries_never_appear_even_when_filtered_for(client, advisor):
    LeadFactory(
        name="Spamowe zapytanie",
        branch=advisor.branch,
        employees=[advisor],
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )
    client.force_login(advisor)
    for params in ({}, {"outcome": IntakeOutcome.DELETED}, {"show_failed": "1"}):
        response = board(client, **params)
        assert sum(counts(response).values()) == 0
        assert "Spamowe zapytanie" not in response.text


def test_won_leads_show_in_the_won_column(client, advisor):
    LeadFactory(
        name="Sprzedane",
        status=status("umowa"),
        branch=advisor.branch,
        employees=[advisor],
        closed_at=timezone.now(),
    )
    client.force_login(advisor)
    response = board(client)
    assert card_names(response, status("umowa").pk) == ["Sprzedane"]
    assert counts(response)[status("umowa").pk] == 1


def test_card_shows_client_employees_investment_age_and_flags(client, advisor, teammate):
    turza = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=advisor.branch)
    lead = LeadFactory(
        name="Trzy pokoje",
        branch=advisor.branch,
        employees=[advisor, teammate],
        clients=[turza],
        is_repeat=True,
        created_at=timezone.now() - timedelta(days=12, hours=3, minutes=5),
    )
    lead.investments.add(InvestmentFactory(name="Akacjowa"))
    client.force_login(advisor)
    response = board(client)
    card = response.text[response.text.index(f'id="kanban-card-{lead.pk}"') :]
    card = card[: card.index("</article>")]
    assert reverse("leads:detail", args=[lead.pk]) in card
    assert "Elżbieta Turza" in card
    assert "Anna Wiśniewska" in card and "Piotr Zieliński" in card
    assert "Akacjowa" in card
    assert "12d 3h" in card
    assert ">repeat<" in card
    assert "data-no-next-step" in card
    assert reverse("leads:kanban_move", args=[lead.pk]) in card


def test_card_of_a_lead_with_a_planned_conversation_has_no_flag(client, advisor, own_lead):
    Activity.objects.create(
        lead=own_lead, employee=advisor, planned_at=timezone.now() + timedelta(days=1)
    )
    client.force_login(advisor)
    assert "data-no-next-step" not in board(client).text


def test_names_on_cards_render_escaped(client, advisor):
    evil = ClientFactory(first_name="<script>alert(1)</script>", branch=advisor.branch)
    LeadFactory(
        name="<script>alert('x')</script>",
        branch=advisor.branch,
        employees=[advisor],
        clients=[evil],
    )
    client.force_login(advisor)
    response = board(client)
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_list_link_keeps_the_filters(client, advisor):
    client.force_login(advisor)
    response = board(client, q="Turza", show_failed="1")
    assert f'href="{reverse("leads:list")}?q=Turza"' in response.text


def test_the_board_has_the_lists_filter_bar_with_every_filter_kept(client, advisor):
    LeadFactory(name="Nowa", branch=advisor.branch, employees=[advisor])
    LeadFactory(
        name="Z ofertą", status=status("oferta"), branch=advisor.branch, employees=[advisor]
    )
    client.force_login(advisor)
    oferta = status("oferta").pk
    response = board(client, status=oferta, q="Z ")
    assert sum(counts(response).values()) == 1
    assert card_names(response, oferta) == ["Z ofertą"]
    # The same bar as the list's: the status filter is a ticked choice, not a hidden copy.
    assert f'name="status" value="{oferta}" id="id_status_' in response.text
    assert re.search(rf'name="status" value="{oferta}" id="id_status_\d+" checked', response.text)
    assert '<input type="hidden" name="q"' not in response.text


def test_malformed_parameters_are_ignored(client, advisor, own_lead):
    client.force_login(advisor)
    response = board(client, employee="abc", investment="-1", show_failed="yes")
    assert counts(response)[status("nowy").pk] == 1
    column_url = reverse("leads:kanban_column", args=[status("nowy").pk])
    more = client.get(column_url, {"offset": "-3"})
    assert more.status_code == 200
    assert [lead.name for lead in more.context["cards"]] == ["Kawalerka"]


def test_board_and_more_do_not_accept_posts(client, advisor):
    client.force_login(advisor)
    assert client.post(reverse("leads:kanban")).status_code == 405
    column_url = reverse("leads:kanban_column", args=[status("nowy").pk])
    assert client.post(column_url).status_code == 405


def test_anonymous_user_is_sent_to_log_in(client):
    response = client.get(reverse("leads:kanban"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Moving a card.


def test_move_changes_the_status_and_records_who_did_it(client, advisor, own_lead):
    client.force_login(advisor)
    response = move(client, own_lead, "oferta", **JSON)
    assert response.status_code == 200
    answer = response.json()
    assert answer["from_column"] == status("nowy").pk
    assert answer["to_column"] == status("oferta").pk
    assert f'id="kanban-card-{own_lead.pk}"' in answer["card"]
    assert "Oferta" in answer["message"]
    own_lead.refresh_from_db()
    assert own_lead.status == status("oferta")
    newest = own_lead.history.first()
    assert newest.status_id == status("oferta").pk
    assert newest.history_user == advisor


def test_a_drop_on_the_won_column_is_refused_with_the_reason(client, advisor, own_lead):
    """Only a contract wins a lead: the card goes back and the board says why."""
    versions = own_lead.history.count()
    client.force_login(advisor)
    response = move(client, own_lead, "umowa", **JSON)
    assert response.status_code == 409
    assert "only by signing a contract" in response.json()["message"]
    own_lead.refresh_from_db()
    assert own_lead.status == status("nowy")
    assert own_lead.closed_at is None
    assert own_lead.history.count() == versions


def test_move_is_refused_with_a_message_when_manual_changes_are_off(client, advisor, own_lead):
    crm = CRMSettings.get_solo()
    crm.manual_status_change_allowed = False
    crm.save()
    versions = own_lead.history.count()
    client.force_login(advisor)
    response = move(client, own_lead, "oferta", **JSON)
    assert response.status_code == 409
    assert response.json()["message"] == (
        "Manual status changes are turned off in the CRM settings."
    )
    own_lead.refresh_from_db()
    assert own_lead.status == status("nowy")
    assert own_lead.history.count() == versions


def test_move_of_a_failed_lead_is_refused(client, advisor):
    lead = LeadFactory(
        name="Nieudana",
        branch=advisor.branch,
        employees=[advisor],
        failed_at=timezone.now(),
        failure_reason=FailureReason.objects.get(name="Cena"),
    )
    client.force_login(advisor)
    response = move(client, lead, "oferta", **JSON)
    assert response.status_code == 409
    assert "reactivate" in response.json()["message"]
    lead.refresh_from_db()
    assert lead.status == status("nowy")


def test_move_to_an_inactive_or_unknown_status_is_refused(client, advisor, own_lead):
    LeadStatus.objects.filter(slug="oferta").update(active=False)
    client.force_login(advisor)
    assert move(client, own_lead, "oferta", **JSON).status_code == 409
    url = reverse("leads:kanban_move", args=[own_lead.pk])
    assert client.post(url, {"status": "999999"}, **JSON).status_code == 400
    assert client.post(url, {"status": "x"}, **JSON).status_code == 400
    own_lead.refresh_from_db()
    assert own_lead.status == status("nowy")


@pytest.mark.parametrize("actor", ["teammate", "outsider", "other_manager"])
def test_move_of_a_lead_the_user_may_not_see_is_404_and_changes_nothing(
    client, request, own_lead, actor
):
    versions = own_lead.history.count()
    client.force_login(request.getfixturevalue(actor))
    assert move(client, own_lead, "oferta", **JSON).status_code == 404
    own_lead.refresh_from_db()
    assert own_lead.status == status("nowy")
    assert own_lead.history.count() == versions


def test_manager_moves_a_lead_of_the_branch(client, manager, own_lead):
    client.force_login(manager)
    assert move(client, own_lead, "oferta", **JSON).status_code == 200
    own_lead.refresh_from_db()
    assert own_lead.status == status("oferta")


def test_move_answers_get_with_405(client, advisor, own_lead):
    client.force_login(advisor)
    response = client.get(reverse("leads:kanban_move", args=[own_lead.pk]))
    assert response.status_code == 405
    own_lead.refresh_from_db()
    assert own_lead.status == status("nowy")


def test_move_without_javascript_returns_to_the_filtered_board(client, advisor, own_lead):
    client.force_login(advisor)
    back = f"{reverse('leads:kanban')}?q=Kawa"
    response = client.post(
        reverse("leads:kanban_move", args=[own_lead.pk]),
        {"status": status("oferta").pk, "next": back},
        follow=True,
        **ENGLISH,
    )
    assert response.redirect_chain == [(back, 302)]
    assert "moved to" in response.text
    own_lead.refresh_from_db()
    assert own_lead.status == status("oferta")


def test_move_refused_without_javascript_shows_the_message_on_the_board(client, advisor, own_lead):
    crm = CRMSettings.get_solo()
    crm.manual_status_change_allowed = False
    crm.save()
    client.force_login(advisor)
    response = client.post(
        reverse("leads:kanban_move", args=[own_lead.pk]),
        {"status": status("oferta").pk, "next": "https://evil.example/"},
        follow=True,
        **ENGLISH,
    )
    assert response.redirect_chain == [(reverse("leads:kanban"), 302)]
    assert "Manual status changes are turned off" in response.text


# "More" cards of one column.


def test_more_loads_the_next_cards_of_one_column(client, advisor):
    start = timezone.now() - timedelta(days=30)
    for n in range(CARDS_PER_PAGE + 5):
        LeadFactory(
            name=f"Sprawa {n:02d}",
            branch=advisor.branch,
            employees=[advisor],
            created_at=start + timedelta(hours=n),
        )
    client.force_login(advisor)
    nowy = status("nowy").pk
    first = board(client)
    assert counts(first)[nowy] == CARDS_PER_PAGE + 5
    assert card_names(first, nowy)[0] == f"Sprawa {CARDS_PER_PAGE + 4}"  # newest first
    assert len(card_names(first, nowy)) == CARDS_PER_PAGE
    more_url = reverse("leads:kanban_column", args=[nowy])
    assert f"{more_url}?offset={CARDS_PER_PAGE}" in first.text

    more = client.get(more_url, {"offset": CARDS_PER_PAGE})
    assert more.status_code == 200
    oldest_five = [f"Sprawa {n:02d}" for n in range(4, -1, -1)]
    assert [lead.name for lead in more.context["cards"]] == oldest_five
    assert not more.context["has_more"]
    assert "data-kanban-more" not in more.text


def test_more_keeps_the_filters_and_the_users_scope(client, advisor, teammate):
    LeadFactory(name="Moja", branch=advisor.branch, employees=[advisor])
    LeadFactory(
        name="Inna moja", source=source("obido"), branch=advisor.branch, employees=[advisor]
    )
    LeadFactory(name="Kolegi", branch=advisor.branch, employees=[teammate])
    client.force_login(advisor)
    url = reverse("leads:kanban_column", args=[status("nowy").pk])
    everything = client.get(url, {"offset": 0})
    assert sorted(lead.name for lead in everything.context["cards"]) == ["Inna moja", "Moja"]
    filtered = client.get(url, {"offset": 0, "source": source("obido").pk})
    assert [lead.name for lead in filtered.context["cards"]] == ["Inna moja"]


def test_more_of_the_failed_column(client, advisor):
    LeadFactory(
        name="Nieudana",
        branch=advisor.branch,
        employees=[advisor],
        failed_at=timezone.now(),
        failure_reason=FailureReason.objects.get(name="Cena"),
    )
    client.force_login(advisor)
    response = client.get(reverse("leads:kanban_column", args=[FAILED_COLUMN]))
    assert [lead.name for lead in response.context["cards"]] == ["Nieudana"]
    # A failed lead is reactivated on its page, not moved on the board.
    assert "data-kanban-menu" not in response.text
    assert "data-move-url" not in response.text


def test_more_of_an_inactive_or_unknown_status_is_404(client, advisor):
    LeadStatus.objects.filter(slug="oferta").update(active=False)
    client.force_login(advisor)
    assert client.get(reverse("leads:kanban_column", args=[status("oferta").pk])).status_code == 404
    assert client.get(reverse("leads:kanban_column", args=[999999])).status_code == 404


# Query counts: the same whatever the number of leads.


def _fill_branch(manager, advisor, total: int) -> None:
    statuses = list(LeadStatus.objects.filter(active=True))
    investment = InvestmentFactory()
    for n in range(total):
        lead = LeadFactory(
            name=f"Sprawa {n}",
            status=statuses[n % len(statuses)],
            branch=manager.branch,
            employees=[advisor],
            clients=[ClientFactory(branch=manager.branch)],
        )
        lead.investments.add(investment)


# session, user, statuses, per column (9 statuses) a capped count and its cards, one
# prefetch each for clients, employees, investments, one for the cards' next steps; the
# filter bar's status, source, employee and investment choices (the list's bar), the saved
# views' menu.
BOARD_QUERIES = 2 + 1 + 9 * 2 + 3 + 1 + 4 + 1


@pytest.mark.parametrize("total", [5, 50])
def test_board_query_count_does_not_grow_with_leads(
    client, manager, advisor, total, django_assert_num_queries
):
    _fill_branch(manager, advisor, total)
    client.force_login(manager)
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(reverse("leads:kanban"))
    assert sum(counts(response).values()) == total


@pytest.mark.parametrize("total", [5, 50])
def test_board_with_failed_column_adds_its_count_and_cards(
    client, manager, advisor, total, django_assert_num_queries
):
    _fill_branch(manager, advisor, total)
    client.force_login(manager)
    with django_assert_num_queries(BOARD_QUERIES + 2):
        client.get(reverse("leads:kanban"), {"show_failed": "1"})


@pytest.mark.parametrize("total", [5, 50])
def test_more_query_count_does_not_grow_with_leads(
    client, manager, advisor, total, django_assert_num_queries
):
    _fill_branch(manager, advisor, total)
    url = reverse("leads:kanban_column", args=[status("nowy").pk])
    client.force_login(manager)
    # session, user, statuses, the cards, three prefetches, the cards' next steps.
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.context["cards"]


def test_a_column_over_the_cap_says_so_instead_of_counting_everything(client, advisor, monkeypatch):
    monkeypatch.setattr("leads.kanban.COUNT_CAP", 3)
    for n in range(5):
        LeadFactory(name=f"Nowy {n}", branch=advisor.branch, employees=[advisor])
    client.force_login(advisor)
    response = client.get(reverse("leads:kanban"))
    column = response.context["board"].columns[0]
    assert column.is_capped and column.count == 4
    assert "3+" in response.text
