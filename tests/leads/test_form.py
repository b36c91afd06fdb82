"""The lead form: adding a lead by hand and editing it, with its client and contractor
pickers and the dialog that adds a new client without leaving the form."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, LeadSource
from leads.models import IntakeOutcome, Lead
from leads.services.common import save_lead
from leads.services.editing import lead_create, lead_update
from settings_app.models import CRMSettings
from tests.factories import (
    ClientFactory,
    ContractorFactory,
    InvestmentFactory,
    UserFactory,
    source,
)

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("leads:create")
CLIENT_SEARCH_URL = reverse("leads:client_search")
CONTRACTOR_SEARCH_URL = reverse("leads:contractor_search")
DIALOG_URL = reverse("leads:client_dialog")


def logged_in(user) -> HttpClient:
    """A browser of `user` that asks for English, so messages can be read in tests."""
    web = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(user)
    return web


def form_data(**values) -> dict:
    """What the browser posts for a lead with the advisor-facing defaults."""
    data = {"name": "Zakup mieszkania", "source": source("recznie").pk}
    data.update(values)
    return data


def edit_data(lead: Lead, **values) -> dict:
    """What the edit form posts when nothing is touched, with `values` changed."""
    data = {
        "name": lead.name,
        "source": lead.source_id,
        "clients": [c.pk for c in lead.clients.all()],
        "contractors": [c.pk for c in lead.contractors.all()],
        "investments": [i.pk for i in lead.investments.all()],
        "employees": [e.pk for e in lead.employees.all()],
        "updated_at": lead.updated_at.isoformat(),
    }
    data.update(values)
    return data


@pytest.fixture
def as_advisor(advisor):
    return logged_in(advisor)


@pytest.fixture
def own_client(advisor):
    return ClientFactory(
        first_name="Elżbieta",
        last_name="Turza",
        phone="600 100 200",
        branch=advisor.branch,
        caretaker=advisor,
    )


@pytest.fixture
def own_lead(advisor, own_client):
    return lead_create(user=advisor, source=source("www"), name="Kawalerka", clients=[own_client])


# -- the new-lead form ---------------------------------------------------------------------


def test_new_lead_form_offers_the_default_name_the_user_and_the_manual_source(as_advisor, advisor):
    response = as_advisor.get(CREATE_URL)

    assert response.status_code == 200
    form = response.context["form"]
    assert form["name"].value() == "Zakup mieszkania"
    assert form["employees"].value() == [advisor.pk]
    assert form["source"].value() == source("recznie").pk
    assert 'value="Zakup mieszkania"' in response.text
    assert f'name="employees" value="{advisor.pk}" id="id_employees_0" checked' in response.text


def test_new_lead_form_follows_a_changed_default_name(as_advisor):
    settings_row = CRMSettings.get_solo()
    settings_row.default_lead_name = "Zakup lokalu użytkowego"
    settings_row.save()

    response = as_advisor.get(CREATE_URL)

    assert response.context["form"]["name"].value() == "Zakup lokalu użytkowego"


def test_advisor_saves_a_new_lead_with_the_defaults_and_lands_on_its_page(as_advisor, advisor):
    response = as_advisor.post(CREATE_URL, form_data(employees=[advisor.pk]))

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("leads:detail", args=[lead.pk])
    assert lead.name == "Zakup mieszkania"
    assert lead.source.slug == "recznie"
    assert lead.branch == advisor.branch
    assert lead.created_by == advisor
    assert list(lead.employees.all()) == [advisor]
    page = as_advisor.get(response.url)
    assert "The lead “Zakup mieszkania” was added." in page.text


def test_advisor_saves_a_new_lead_with_clients_contractors_investments_and_employees(
    as_advisor, advisor, teammate, own_client
):
    second = ClientFactory(first_name="Jan", last_name="Zaorski", branch=advisor.branch)
    second.caretaker = advisor
    second.save()
    contractor = ContractorFactory(name="Budimex", branch=advisor.branch)
    akacjowa = InvestmentFactory(name="Akacjowa")
    bratkowa = InvestmentFactory(name="Bratkowa")

    response = as_advisor.post(
        CREATE_URL,
        form_data(
            name="Mieszkanie dla córki",
            source=source("telefon").pk,
            clients=[own_client.pk, second.pk],
            contractors=[contractor.pk],
            investments=[akacjowa.pk, bratkowa.pk],
            employees=[advisor.pk, teammate.pk],
        ),
    )

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.name == "Mieszkanie dla córki"
    assert lead.source.slug == "telefon"
    assert set(lead.clients.all()) == {own_client, second}
    assert list(lead.contractors.all()) == [contractor]
    assert set(lead.investments.all()) == {akacjowa, bratkowa}
    assert set(lead.employees.all()) == {advisor, teammate}


def test_lead_saved_for_teammates_only_sends_the_advisor_to_the_list(as_advisor, teammate):
    response = as_advisor.post(CREATE_URL, form_data(employees=[teammate.pk]))

    assert response.status_code == 302
    assert response.url == reverse("leads:list")
    assert list(Lead.objects.get().employees.all()) == [teammate]


def test_lead_without_a_name_is_refused_on_the_name_field(as_advisor, advisor):
    response = as_advisor.post(CREATE_URL, form_data(name="   ", employees=[advisor.pk]))

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Give the lead a name."]
    assert not Lead.objects.exists()


def test_lead_without_employees_is_refused_because_nobody_would_see_it(as_advisor):
    response = as_advisor.post(CREATE_URL, form_data())

    assert response.status_code == 200
    errors = response.context["form"].errors["employees"]
    assert errors == [
        "Choose at least one employee: only the employees listed can see and work this lead."
    ]
    assert errors[0] in response.text
    assert not Lead.objects.exists()


def test_forged_id_of_a_client_the_advisor_may_not_see_is_refused_and_never_linked(
    as_advisor, advisor, own_client, other_branch
):
    stranger = ClientFactory(first_name="Cudzy", last_name="Klient", branch=other_branch)

    response = as_advisor.post(
        CREATE_URL, form_data(clients=[own_client.pk, stranger.pk], employees=[advisor.pk])
    )

    assert response.status_code == 200
    assert response.context["form"].errors["clients"] == [
        "This client does not exist or you may not see it."
    ]
    assert not Lead.objects.exists()
    assert not stranger.leads.exists()
    # The visible client stays chosen; the stranger is not even named on the page.
    assert "Elżbieta Turza" in response.text
    assert "Cudzy" not in response.text


def test_client_id_that_is_no_number_is_refused_and_the_form_shows_the_real_client_chosen(
    as_advisor, advisor, own_client
):
    # "²" is a digit to Python's str.isdigit(), not a number to int().
    response = as_advisor.post(
        CREATE_URL, form_data(clients=[own_client.pk, "²"], employees=[advisor.pk])
    )

    assert response.status_code == 200
    assert "clients" in response.context["form"].errors
    assert not Lead.objects.exists()
    assert "Elżbieta Turza" in response.text


def test_forged_id_of_a_contractor_of_another_branch_is_refused(as_advisor, advisor, other_branch):
    stranger = ContractorFactory(name="Cudza firma", branch=other_branch)

    response = as_advisor.post(
        CREATE_URL, form_data(contractors=[stranger.pk], employees=[advisor.pk])
    )

    assert "contractors" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_inactive_source_is_refused_on_the_source_field(as_advisor, advisor):
    retired = LeadSource.objects.create(name="Gazeta", slug="gazeta", active=False)

    response = as_advisor.post(CREATE_URL, form_data(source=retired.pk, employees=[advisor.pk]))

    assert response.context["form"].errors["source"] == [
        "This source is not active; choose another one."
    ]
    assert not Lead.objects.exists()


def test_inactive_sources_are_not_offered(as_advisor):
    LeadSource.objects.create(name="Gazeta", slug="gazeta", active=False)

    response = as_advisor.get(CREATE_URL)

    assert "Gazeta" not in response.text


def test_employees_offered_are_the_active_staff_of_the_branch(as_advisor, teammate, outsider):
    UserFactory(first_name="Były", last_name="Pracownik", branch=teammate.branch, is_active=False)

    response = as_advisor.get(CREATE_URL)

    offered = set(response.context["form"].fields["employees"].queryset)
    assert teammate in offered
    assert outsider not in offered
    assert "Były" not in response.text


def test_administrator_may_choose_employees_of_every_branch(administrator, outsider):
    response = logged_in(administrator).get(CREATE_URL)

    assert outsider in set(response.context["form"].fields["employees"].queryset)
    assert "Marek Obcy · Warszawa Mokotów" in response.text


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(CREATE_URL)

    assert response.status_code == 302
    assert "/login/" in response.url


# -- editing -------------------------------------------------------------------------------


def test_edit_form_shows_the_lead_as_it_is(as_advisor, own_lead, own_client):
    response = as_advisor.get(reverse("leads:update", args=[own_lead.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["name"].value() == "Kawalerka"
    assert response.context["clients_chosen"] == [own_client]
    assert f'name="clients" value="{own_client.pk}"' in response.text
    assert f'value="{own_lead.updated_at.isoformat()}"' in response.text


def test_advisor_edits_a_lead_and_history_records_each_change_with_the_advisor(
    as_advisor, advisor, teammate, own_lead, own_client
):
    contractor = ContractorFactory(name="Budimex", branch=advisor.branch)
    akacjowa = InvestmentFactory(name="Akacjowa")

    response = as_advisor.post(
        reverse("leads:update", args=[own_lead.pk]),
        edit_data(
            own_lead,
            name="Kawalerka na wynajem",
            clients=[],
            contractors=[contractor.pk],
            investments=[akacjowa.pk],
            employees=[advisor.pk, teammate.pk],
        ),
    )

    assert response.status_code == 302
    assert response.url == reverse("leads:detail", args=[own_lead.pk])
    lead = Lead.objects.get(pk=own_lead.pk)
    assert lead.name == "Kawalerka na wynajem"
    assert list(lead.clients.all()) == []
    assert list(lead.contractors.all()) == [contractor]
    assert list(lead.investments.all()) == [akacjowa]
    assert set(lead.employees.all()) == {advisor, teammate}
    assert lead.updated_by == advisor

    history = list(lead.history.all())  # newest first
    assert {record.history_user for record in history} == {advisor}
    # The lead as created is one snapshot, relations included.
    newest, before_edit = history[0], history[-1]
    assert before_edit.history_type == "+"
    assert newest.name == "Kawalerka na wynajem"
    assert [row.client_id for row in before_edit.clients.all()] == [own_client.pk]
    changed = {change.field for change in newest.diff_against(before_edit).changes}
    assert {"name", "clients", "contractors", "investments", "employees"} <= changed


def test_stale_edit_is_refused_with_who_and_when_and_nothing_is_overwritten(
    as_advisor, advisor, manager, own_lead, own_client
):
    opened = as_advisor.get(reverse("leads:update", args=[own_lead.pk]))
    version = opened.context["form"]["updated_at"].value()
    # The manager renames the lead while the advisor's form is open.
    own_lead.name = "Kawalerka — po rozmowie"
    save_lead(own_lead, user=manager)

    response = as_advisor.post(
        reverse("leads:update", args=[own_lead.pk]),
        edit_data(own_lead, name="Moja zmiana", clients=[], updated_at=version),
    )

    assert response.status_code == 200
    when = timezone.localtime(Lead.objects.get(pk=own_lead.pk).updated_at).strftime("%H:%M")
    message = (
        f"This lead was changed by {manager} at {when} since you opened the form; "
        "reload to see the changes."
    )
    assert response.context["form"].non_field_errors() == [message]
    assert response.context["stale"] is True
    assert 'id="lead-form-reload"' in response.text
    assert 'value="Moja zmiana"' in response.text  # the user's input is kept on screen
    lead = Lead.objects.get(pk=own_lead.pk)
    assert lead.name == "Kawalerka — po rozmowie"
    assert list(lead.clients.all()) == [own_client]
    assert lead.updated_by == manager


def test_edit_form_without_its_version_is_refused(as_advisor, own_lead):
    data = edit_data(own_lead, name="Bez wersji")
    del data["updated_at"]

    response = as_advisor.post(reverse("leads:update", args=[own_lead.pk]), data)

    assert response.status_code == 200
    assert "updated_at" in response.context["form"].errors
    assert Lead.objects.get(pk=own_lead.pk).name == "Kawalerka"


@pytest.mark.parametrize("actor", ["outsider", "teammate", "other_manager"])
def test_user_who_may_not_see_the_lead_gets_404_on_its_edit_page(request, own_lead, actor):
    intruder = logged_in(request.getfixturevalue(actor))
    url = reverse("leads:update", args=[own_lead.pk])

    assert intruder.get(url).status_code == 404
    response = intruder.post(url, edit_data(own_lead, name="Przejęta", clients=[]))

    assert response.status_code == 404
    lead = Lead.objects.get(pk=own_lead.pk)
    assert lead.name == "Kawalerka"
    assert lead.clients.exists()
    assert lead.history.count() == own_lead.history.count()


@pytest.mark.parametrize("actor", ["manager", "administrator"])
def test_manager_and_administrator_open_the_edit_page(request, own_lead, actor):
    response = logged_in(request.getfixturevalue(actor)).get(
        reverse("leads:update", args=[own_lead.pk])
    )
    assert response.status_code == 200


def test_manager_keeps_a_client_of_another_branch_already_on_the_lead(
    manager, own_lead, own_client, other_branch
):
    visitor = ClientFactory(first_name="Gość", last_name="Zdalny", branch=other_branch)
    own_lead.clients.add(visitor)
    own_lead.refresh_from_db()
    as_advisor = logged_in(manager)

    response = as_advisor.post(
        reverse("leads:update", args=[own_lead.pk]), edit_data(own_lead, name="Dwa oddziały")
    )

    assert response.status_code == 302
    assert set(Lead.objects.get(pk=own_lead.pk).clients.all()) == {own_client, visitor}


def test_lead_update_service_refuses_a_lead_without_employees(advisor, own_lead):
    data = {
        "name": "Bez ludzi",
        "source": own_lead.source,
        "clients": [],
        "contractors": [],
        "investments": [],
        "employees": [],
    }
    with pytest.raises(Exception) as excinfo:
        lead_update(lead=own_lead, user=advisor, data=data, expected_updated_at=own_lead.updated_at)

    assert "employees" in excinfo.value.message_dict
    assert Lead.objects.get(pk=own_lead.pk).name == "Kawalerka"


# -- client and contractor search ----------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["600 100 200", "600-100-200", "+48600100200", "0048 600 100 200"]
)
def test_client_search_finds_the_phone_in_any_format(as_advisor, own_client, typed):
    response = as_advisor.get(CLIENT_SEARCH_URL, {"q": typed})

    assert list(response.context["clients"]) == [own_client]
    assert f'data-pk="{own_client.pk}"' in response.text


def test_client_search_folds_diacritics_and_hides_clients_the_advisor_may_not_see(
    as_advisor, own_client, other_branch, teammate
):
    ClientFactory(first_name="Elżbieta", last_name="Obca", branch=other_branch)
    ClientFactory(first_name="Elżbieta", last_name="Kolegi", branch=teammate.branch)

    response = as_advisor.get(CLIENT_SEARCH_URL, {"q": "Elzbieta"})

    assert list(response.context["clients"]) == [own_client]
    assert "Turza" in response.text
    assert "Obca" not in response.text
    assert "Kolegi" not in response.text


def test_client_search_finds_by_email_and_pesel(as_advisor, advisor):
    found = ClientFactory(
        first_name="Hanna",
        last_name="Kuźniewska",
        email="Hanna.K@o2.pl",
        pesel="44051401359",
        branch=advisor.branch,
        caretaker=advisor,
    )

    assert list(as_advisor.get(CLIENT_SEARCH_URL, {"q": "hanna.k@o2"}).context["clients"]) == [
        found
    ]
    assert list(as_advisor.get(CLIENT_SEARCH_URL, {"q": "44051401359"}).context["clients"]) == [
        found
    ]


def test_client_search_shows_at_most_ten_clients(as_advisor, advisor):
    for _ in range(12):
        ClientFactory(first_name="Jan", branch=advisor.branch, caretaker=advisor)

    response = as_advisor.get(CLIENT_SEARCH_URL, {"q": "Jan"})

    assert len(response.context["clients"]) == 10


def test_empty_client_search_shows_nothing(as_advisor, own_client):
    response = as_advisor.get(CLIENT_SEARCH_URL, {"q": "  "})

    assert response.status_code == 200
    assert not response.context["clients"]
    assert "Turza" not in response.text


def test_client_names_with_html_are_escaped_in_search_results_and_chips(as_advisor, advisor):
    evil = ClientFactory(
        first_name="<script>alert(1)</script>",
        last_name="Haker",
        branch=advisor.branch,
        caretaker=advisor,
    )

    response = as_advisor.get(CLIENT_SEARCH_URL, {"q": "Haker"})

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    lead = lead_create(user=advisor, source=source("www"), clients=[evil])
    edit_page = as_advisor.get(reverse("leads:update", args=[lead.pk]))
    assert "<script>alert(1)</script>" not in edit_page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in edit_page.text


def test_contractor_search_finds_by_name_nip_and_krs_within_the_branch(
    as_advisor, advisor, other_branch
):
    budimex = ContractorFactory(
        name="Budimex S.A.", nip="526-025-09-95", krs="0000001764", branch=advisor.branch
    )
    ContractorFactory(name="Budimex Warszawa", branch=other_branch)

    for typed in ["budimex", "5260250995", "526-025-09-95", "0000001764"]:
        response = as_advisor.get(CONTRACTOR_SEARCH_URL, {"q": typed})
        assert list(response.context["contractors"]) == [budimex], typed
    assert "Budimex Warszawa" not in as_advisor.get(CONTRACTOR_SEARCH_URL, {"q": "budimex"}).text


def test_searches_answer_post_with_405(as_advisor):
    assert as_advisor.post(CLIENT_SEARCH_URL, {"q": "Jan"}).status_code == 405
    assert as_advisor.post(CONTRACTOR_SEARCH_URL, {"q": "Jan"}).status_code == 405


# -- the "add client" dialog ---------------------------------------------------------------


def test_client_dialog_shows_the_client_form(as_advisor):
    response = as_advisor.get(DIALOG_URL)

    assert response.status_code == 200
    assert f'hx-post="{DIALOG_URL}"' in response.text
    assert 'name="first_name"' in response.text


def new_client_token(response) -> str:
    """The pending client the dialog's chip carries to the lead form."""
    match = re.search(r'name="new_clients" value="([^"]+)"', response.text)
    assert match, "the dialog answered no new client's chip"
    return html.unescape(match.group(1))


def test_client_dialog_answers_a_chip_and_the_client_is_made_with_the_lead(as_advisor, advisor):
    response = as_advisor.post(
        DIALOG_URL,
        {"kind": "person", "first_name": "Renata", "last_name": "Rosiak", "phone": "601 202 303"},
    )

    assert response.status_code == 200
    assert 'data-created-chip="clients"' in response.text
    assert "Renata Rosiak" in response.text
    assert "will be added when you save the lead" in response.text
    assert not Client.objects.exists()  # nothing is made before the lead is saved

    as_advisor.post(
        CREATE_URL, form_data(new_clients=[new_client_token(response)], employees=[advisor.pk])
    )

    created = Client.objects.get(last_name="Rosiak")
    assert created.branch == advisor.branch
    assert created.caretaker == advisor
    assert created.phone_e164 == "+48601202303"
    lead = Lead.objects.get()
    assert list(lead.clients.all()) == [created]
    assert lead.intake_outcome == IntakeOutcome.LINKED  # made with its client: verified


def test_a_lead_form_left_without_saving_leaves_no_client_behind(as_advisor, advisor):
    """The user adds a client in the dialog, then cancels the lead form (or its save is
    refused): no client is left in Lejek."""
    response = as_advisor.post(
        DIALOG_URL,
        {"kind": "person", "first_name": "Olga", "last_name": "Porzucona", "email": "o@p.pl"},
    )
    token = new_client_token(response)
    assert not Client.objects.exists()

    refused = as_advisor.post(CREATE_URL, form_data(name="", new_clients=[token]))

    assert refused.status_code == 200
    assert "Olga Porzucona" in refused.text  # the chip is kept on the page shown again
    assert not Client.objects.exists()
    assert not Lead.objects.exists()


def test_a_tampered_new_client_is_refused_next_to_the_clients(as_advisor, advisor):
    response = as_advisor.post(
        CREATE_URL, form_data(new_clients=["not-a-signed-client"], employees=[advisor.pk])
    )

    assert response.status_code == 200
    assert "too old or damaged" in response.text
    assert not Lead.objects.exists()
    assert not Client.objects.exists()


def test_client_dialog_shows_errors_next_to_the_fields_and_creates_nothing(as_advisor):
    response = as_advisor.post(
        DIALOG_URL, {"kind": "person", "first_name": "Bez", "last_name": "Kontaktu"}
    )

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert "data-created-chip" not in response.text
    assert 'class="field field--error"' in response.text
    assert not Client.objects.exists()


# -- query counts --------------------------------------------------------------------------


def test_new_lead_page_query_count_is_fixed(as_advisor, advisor, django_assert_num_queries):
    for n in range(5):
        InvestmentFactory(name=f"Osiedle {n}")
        UserFactory(branch=advisor.branch)
    CRMSettings.get_solo()  # the row exists, as it does once the CRM has been used
    # session, user, settings row, default source, investments, employees, and the sources
    # twice (the select's first option is read once more to decide on `required`).
    with django_assert_num_queries(8):
        response = as_advisor.get(CREATE_URL)
    assert response.status_code == 200


def test_edit_page_query_count_is_fixed(
    as_advisor, advisor, own_lead, own_client, django_assert_num_queries
):
    own_lead.investments.set([InvestmentFactory(), InvestmentFactory()])
    own_lead.contractors.set([ContractorFactory(branch=advisor.branch)])
    for _ in range(3):
        own_lead.clients.add(ClientFactory(branch=advisor.branch))
    # session, user, the lead, its clients (+ caretakers), employees, investments and
    # contractors, then the investments and employees on offer, and the sources twice.
    with django_assert_num_queries(12):
        response = as_advisor.get(reverse("leads:update", args=[own_lead.pk]))
    assert len(response.context["clients_chosen"]) == 4


def test_client_search_query_count_is_fixed(as_advisor, advisor, django_assert_num_queries):
    for _ in range(12):
        ClientFactory(first_name="Jan", branch=advisor.branch, caretaker=advisor)
    # session, user, the matching clients with their caretakers.
    with django_assert_num_queries(3):
        response = as_advisor.get(CLIENT_SEARCH_URL, {"q": "Jan"})
    assert len(response.context["clients"]) == 10


def test_contractor_search_query_count_is_fixed(as_advisor, advisor, django_assert_num_queries):
    for n in range(12):
        ContractorFactory(name=f"Firma {n}", branch=advisor.branch)
    with django_assert_num_queries(3):
        response = as_advisor.get(CONTRACTOR_SEARCH_URL, {"q": "firma"})
    assert len(response.context["contractors"]) == 10
