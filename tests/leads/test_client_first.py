"""The client first (issue 19): with the default name every lead is "Zakup mieszkania", so
rows and cards lead with the person — the client, or who wrote an inquiry not linked yet —
then the lead's name only when it is not the default, the investment and the phone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import IntakeOutcome
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory

pytestmark = pytest.mark.django_db

LIST = reverse("leads:list")


@pytest.fixture
def anna(advisor):
    return ClientFactory(
        first_name="Anna",
        last_name="Wiśniewska",
        phone="600 100 200",
        email="anna@example.com",
        branch=advisor.branch,
    )


@pytest.fixture
def default_named(advisor, anna):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], clients=[anna])
    lead.investments.add(InvestmentFactory(name="Osiedle Zielone"))
    return lead


@pytest.fixture
def inquiry(advisor):
    return LeadFactory(
        branch=advisor.branch,
        employees=[advisor],
        intake_outcome=IntakeOutcome.NEW,
        contact_first_name="Piotr",
        contact_last_name="Nowak",
        contact_phone="+48 501 222 333",
        contact_email="piotr@example.com",
    )


def name_cells(response) -> list[str]:
    table = response.context["table"]
    index = [column.name for column in table.columns].index("name")
    return [str(row[index][1]) for row in table.fast_rows()]


def test_a_default_named_lead_is_listed_by_its_client_investment_and_phone(
    client, advisor, default_named
):
    client.force_login(advisor)
    [cell] = name_cells(client.get(LIST))
    assert "Anna Wiśniewska" in cell
    assert "Osiedle Zielone" in cell
    assert 'href="tel:+48600100200"' in cell
    # The default name tells the rows apart by nothing: it is left out.
    assert "Zakup mieszkania" not in cell


def test_a_lead_with_its_own_name_shows_it_after_the_client(client, advisor, anna):
    LeadFactory(name="Dom 120 m²", branch=advisor.branch, employees=[advisor], clients=[anna])
    client.force_login(advisor)
    [cell] = name_cells(client.get(LIST))
    assert cell.index("Anna Wiśniewska") < cell.index("Dom 120 m²")


def test_an_inquiry_not_linked_is_listed_by_the_inquirer_and_their_phone(client, advisor, inquiry):
    client.force_login(advisor)
    [cell] = name_cells(client.get(LIST))
    assert "Piotr Nowak" in cell
    assert 'href="tel:+48501222333"' in cell


def test_the_phone_and_email_columns_are_offered_and_link(client, advisor, default_named):
    client.force_login(advisor)
    page = client.get(LIST).text
    assert 'value="phone"' in page and 'value="email"' in page  # in the column chooser
    client.post(
        reverse("leads:columns"),
        {"columns": ["phone", "email"], "per_page": "25", "next": LIST},
    )
    page = client.get(LIST).text
    assert 'href="tel:+48600100200"' in page
    assert 'href="mailto:anna@example.com"' in page


def column_html(client, lead) -> str:
    response = client.get(reverse("leads:kanban_column", args=[lead.status_id]))
    return response.content.decode()


def test_a_kanban_card_shows_the_client_investment_and_phone(client, advisor, default_named):
    client.force_login(advisor)
    html = client.get(reverse("leads:kanban")).content.decode()
    card = html[html.index(f'id="kanban-card-{default_named.pk}"') :]
    card = card[: card.index("</article>")]
    assert "Anna Wiśniewska" in card
    assert "Osiedle Zielone" in card
    assert 'href="tel:+48600100200"' in card
    assert "Zakup mieszkania" not in card


def test_an_unverified_inquirys_card_shows_the_inquirer_and_contact(client, advisor, inquiry):
    client.force_login(advisor)
    html = column_html(client, inquiry)
    assert "Piotr Nowak" in html
    assert 'href="tel:+48501222333"' in html


def test_a_report_drilldown_lists_the_lead_by_its_client(client, manager, default_named):
    client.force_login(manager)
    today = timezone.localdate(default_named.created_at).isoformat()
    response = client.get(
        reverse("reports:leads"), {"date_from": today, "date_to": today, "metric": "leads"}
    )
    assert [lead.pk for lead in response.context["page"]] == [default_named.pk]
    assert "Anna Wiśniewska" in response.text
    assert 'href="tel:+48600100200"' in response.text


def test_unlink_buttons_tell_a_clients_leads_apart(client, manager, anna, default_named):
    own = LeadFactory(name="Dom 120 m²", branch=anna.branch, clients=[anna])
    client.force_login(manager)
    html = client.get(reverse("leads:client_leads", args=[anna.pk])).text
    # The client is the same on every lead of their page: the button names the lead's own
    # name or its investment and day, never "Zakup mieszkania".
    default_button = html[html.index(f'id="unlink-{default_named.pk}"') :]
    assert default_button[: default_button.index("</button>")].count("Osiedle Zielone") == 1
    own_button = html[html.index(f'id="unlink-{own.pk}"') :]
    assert "Dom 120 m²" in own_button[: own_button.index("</button>")]
    assert "Unlink “Zakup mieszkania”" not in html


def test_a_clients_page_lists_their_leads_by_lead_name_and_investment(
    client, advisor, anna, default_named
):
    client.force_login(advisor)
    response = client.get(reverse("leads:client_leads", args=[anna.pk]))
    [cell] = name_cells(response)
    # Anna is the person of every lead on her own page: the row names the lead.
    assert "Anna Wiśniewska" not in cell
    assert "Zakup mieszkania" in cell and "Osiedle Zielone" in cell
