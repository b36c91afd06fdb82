"""Repeat leads and returning customers: a client who comes back is a repeat lead's client,
and a returning customer once one of their leads was won. Both are badges and filters on
the lead list, and the returning customer also on the lead page and the client pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from leads.models import Lead
from leads.services.figures import lead_figures_rebuild
from tests.factories import ClientFactory, LeadFactory, status, win

pytestmark = pytest.mark.django_db

LEADS = reverse("leads:list")
CLIENTS = reverse("clients:list")


@pytest.fixture
def ela(advisor):
    """A returning customer: she bought a flat (her lead won) and came back for a parking
    space (a repeat lead)."""
    ela = ClientFactory(
        first_name="Elżbieta", last_name="Turza", branch=advisor.branch, caretaker=advisor
    )
    flat = LeadFactory(name="Mieszkanie", branch=advisor.branch, employees=[advisor], clients=[ela])
    LeadFactory(
        name="Miejsce postojowe",
        branch=advisor.branch,
        employees=[advisor],
        clients=[ela],
        is_repeat=True,
    )
    # Won through a contract, which marks her other leads as a returning customer's.
    win(flat, advisor)
    return ela


@pytest.fixture
def jan(advisor):
    """A client who came back too (a repeat lead), but has not bought anything yet."""
    jan = ClientFactory(
        first_name="Jan", last_name="Zieliński", branch=advisor.branch, caretaker=advisor
    )
    LeadFactory(
        name="Kawalerka",
        status=status("negocjacje"),
        branch=advisor.branch,
        employees=[advisor],
        clients=[jan],
    )
    LeadFactory(
        name="Druga kawalerka",
        branch=advisor.branch,
        employees=[advisor],
        clients=[jan],
        is_repeat=True,
    )
    return jan


@pytest.fixture
def leads(advisor, teammate, ela, jan):
    """The advisor's leads above, one without a client, and a teammate's lead for Ela that
    the advisor may not see."""
    LeadFactory(name="Dom", branch=advisor.branch, employees=[advisor])
    LeadFactory(
        name="Komórka lokatorska",
        branch=advisor.branch,
        employees=[teammate],
        clients=[ela],
        is_repeat=True,
    )
    # Linked to Ela by the factory, past the services that keep the mark.
    lead_figures_rebuild()


def lead_names(response) -> set[str]:
    return {row.record.name for row in response.context["table"].paginated_rows}


def listed_clients(response) -> set[str]:
    return {client.last_name for client in response.context["page"].object_list}


def row_of(html: str, url: str) -> str:
    """The table row that links to `url`."""
    match = re.search(rf'<tr>(?:(?!</tr>).)*href="{re.escape(url)}".*?</tr>', html, re.DOTALL)
    assert match, f"no row links to {url}"
    return match.group()


def lead_named(name: str) -> Lead:
    return Lead.objects.get(name=name)


# -- the lead list's filters ---------------------------------------------------------------


def test_repeat_filter_lists_exactly_the_repeat_leads(web, leads):
    assert lead_names(web.get(LEADS, {"repeat": "true"})) == {
        "Miejsce postojowe",
        "Druga kawalerka",
    }
    assert lead_names(web.get(LEADS, {"repeat": "false"})) == {"Mieszkanie", "Kawalerka", "Dom"}


def test_returning_filter_lists_the_leads_of_clients_who_already_bought(web, leads):
    # Ela's won lead is her purchase, not a return: only what came after it counts.
    assert lead_names(web.get(LEADS, {"returning": "true"})) == {"Miejsce postojowe"}
    assert lead_names(web.get(LEADS, {"returning": "false"})) == {
        "Mieszkanie",
        "Kawalerka",
        "Druga kawalerka",
        "Dom",
    }


def test_returning_filter_shows_a_managers_whole_branch(client, manager, leads):
    client.force_login(manager)
    assert lead_names(client.get(LEADS, {"returning": "true"})) == {
        "Miejsce postojowe",
        "Komórka lokatorska",
    }


def test_client_becomes_returning_when_a_lead_of_theirs_is_won(web, advisor, jan):
    assert lead_names(web.get(LEADS, {"returning": "true"})) == set()

    win(lead_named("Kawalerka"), advisor)

    assert lead_names(web.get(LEADS, {"returning": "true"})) == {"Druga kawalerka"}


def test_repeat_and_returning_filters_combine(web, leads):
    both = web.get(LEADS, {"repeat": "true", "returning": "true"})
    assert lead_names(both) == {"Miejsce postojowe"}
    not_bought_yet = web.get(LEADS, {"repeat": "true", "returning": "false"})
    assert lead_names(not_bought_yet) == {"Druga kawalerka"}


# -- the client list's filter --------------------------------------------------------------


def test_client_returning_filter_lists_exactly_the_clients_with_a_won_lead(web, advisor, leads):
    ClientFactory(last_name="Bez leadów", branch=advisor.branch, caretaker=advisor)

    assert listed_clients(web.get(CLIENTS, {"returning": "true"})) == {"Turza"}
    assert listed_clients(web.get(CLIENTS, {"returning": "false"})) == {"Zieliński", "Bez leadów"}


def test_client_returning_filter_does_not_reach_past_what_the_user_may_see(client, outsider, leads):
    ClientFactory(last_name="Obca", branch=outsider.branch, caretaker=outsider)
    client.force_login(outsider)
    assert listed_clients(client.get(CLIENTS, {"returning": "true"})) == set()
    assert listed_clients(client.get(CLIENTS, {"returning": "false"})) == {"Obca"}


# -- the badges ----------------------------------------------------------------------------


def test_lead_list_row_shows_the_repeat_and_returning_customer_badges(web, leads):
    html = web.get(LEADS).text

    back = row_of(html, lead_named("Miejsce postojowe").get_absolute_url())
    assert ">repeat</span>" in back
    assert ">returning customer</span>" in back
    again = row_of(html, lead_named("Druga kawalerka").get_absolute_url())
    assert ">repeat</span>" in again
    assert "returning customer" not in again
    first = row_of(html, lead_named("Kawalerka").get_absolute_url())
    assert "repeat" not in first and "returning customer" not in first


def test_lead_page_shows_the_returning_customer_badge_next_to_the_repeat_one(web, leads):
    html = web.get(lead_named("Miejsce postojowe").get_absolute_url()).text

    assert 'id="lead-repeat">Repeat lead</span>' in html
    assert 'id="lead-returning">Returning customer</span>' in html


def test_lead_page_of_a_client_without_a_won_lead_has_no_returning_badge(web, leads):
    html = web.get(lead_named("Druga kawalerka").get_absolute_url()).text

    assert 'id="lead-repeat">Repeat lead</span>' in html
    assert 'id="lead-returning"' not in html
    assert "Returning customer" not in html


def test_lead_page_is_in_polish_by_default(client, advisor, leads):
    client.force_login(advisor)
    html = client.get(lead_named("Miejsce postojowe").get_absolute_url()).text

    assert 'id="lead-returning">Powracający klient</span>' in html


def test_client_list_row_shows_the_returning_customer_badge(web, ela, jan):
    html = web.get(CLIENTS).text

    assert ">returning customer</span>" in row_of(html, ela.get_absolute_url())
    assert "returning customer" not in row_of(html, jan.get_absolute_url())


def test_client_page_shows_the_returning_customer_badge(web, ela, jan):
    html = web.get(ela.get_absolute_url()).text
    assert 'id="client-returning">Returning customer</span>' in html

    html = web.get(jan.get_absolute_url()).text
    assert 'id="client-returning"' not in html
