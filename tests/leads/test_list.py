"""The lead list: filters and search in the URL, sorting, columns, page sizes, bulk actions."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.core.excel import XLSX_CONTENT_TYPE
from leads.models import Activity, DeletionReason, FailureReason, IntakeOutcome
from settings_app.models import CRMSettings
from tests.factories import (
    ClientFactory,
    ContractorFactory,
    InvestmentFactory,
    LeadFactory,
    source,
    status,
)

pytestmark = pytest.mark.django_db

LIST = reverse("leads:list")


def names(response) -> set[str]:
    return {row.record.name for row in response.context["table"].paginated_rows}


@pytest.fixture
def elzbieta(advisor):
    return ClientFactory(
        first_name="Elżbieta",
        last_name="Turza",
        phone="600 100 200",
        pesel="44051401359",
        accounting_id="SYM-0042",
        branch=advisor.branch,
    )


@pytest.fixture
def leads(advisor, teammate, elzbieta):
    """The advisor's two leads, a teammate's lead and a lead of another branch."""
    kawalerka = LeadFactory(
        name="Kawalerka", branch=advisor.branch, employees=[advisor], clients=[elzbieta]
    )
    LeadFactory(
        name="Dom",
        status=status("oferta"),
        branch=advisor.branch,
        employees=[advisor],
        source=source("facebook"),
    )
    LeadFactory(name="Sprawa kolegi", branch=advisor.branch, employees=[teammate])
    return kawalerka


def test_advisor_lists_only_own_leads(client, advisor, leads, outsider):
    LeadFactory(name="Cudza", branch=outsider.branch, employees=[outsider])
    client.force_login(advisor)
    assert names(client.get(LIST)) == {"Kawalerka", "Dom"}


def test_manager_lists_the_whole_branch(client, manager, leads, outsider):
    LeadFactory(name="Cudza", branch=outsider.branch, employees=[outsider])
    client.force_login(manager)
    assert names(client.get(LIST)) == {"Kawalerka", "Dom", "Sprawa kolegi"}


@pytest.mark.parametrize(
    "phone", ["600 100 200", "600-100-200", "+48600100200", "0048 600 100 200"]
)
def test_search_finds_the_client_by_phone_in_any_format(client, advisor, leads, phone):
    client.force_login(advisor)
    assert names(client.get(LIST, {"q": phone})) == {"Kawalerka"}


@pytest.mark.parametrize(
    "term", ["Elzbieta", "elżbieta turza", "Turza", "44051401359", "SYM-0042", "kawal"]
)
def test_search_finds_by_client_name_pesel_accounting_id_and_lead_name(
    client, advisor, leads, term
):
    client.force_login(advisor)
    assert names(client.get(LIST, {"q": term})) == {"Kawalerka"}


def test_search_by_email_and_contractor_nip(client, advisor, leads, elzbieta):
    contractor = ContractorFactory(name="Budimex", nip="526-025-09-95", branch=advisor.branch)
    dom = LeadFactory(name="Biuro", branch=advisor.branch, employees=[advisor])
    dom.contractors.add(contractor)
    client.force_login(advisor)
    assert names(client.get(LIST, {"q": elzbieta.email.upper()})) == {"Kawalerka"}
    assert names(client.get(LIST, {"q": "5260250995"})) == {"Biuro"}
    assert names(client.get(LIST, {"q": "budimex"})) == {"Biuro"}


def test_search_does_not_reveal_a_teammates_lead(client, advisor, teammate):
    other = ClientFactory(last_name="Zaorski", phone="601 222 333", branch=advisor.branch)
    LeadFactory(name="Sprawa kolegi", branch=advisor.branch, employees=[teammate], clients=[other])
    client.force_login(advisor)
    assert names(client.get(LIST, {"q": "601222333"})) == set()


def test_filters_status_source_employee_and_investment(client, manager, advisor, teammate, leads):
    akacjowa = InvestmentFactory(name="Akacjowa")
    leads.investments.add(akacjowa)
    client.force_login(manager)
    assert names(client.get(LIST, {"status": status("oferta").pk})) == {"Dom"}
    assert names(client.get(LIST, {"source": source("facebook").pk})) == {"Dom"}
    assert names(client.get(LIST, {"employee": teammate.pk})) == {"Sprawa kolegi"}
    assert names(client.get(LIST, {"investment": akacjowa.pk})) == {"Kawalerka"}
    both = client.get(LIST, {"status": status("nowy").pk, "employee": advisor.pk})
    assert names(both) == {"Kawalerka"}


def test_filters_failed_repeat_and_created_range(client, advisor):
    now = timezone.now()
    LeadFactory(
        name="Fiasko",
        branch=advisor.branch,
        employees=[advisor],
        failed_at=now,
        failure_reason=FailureReason.objects.get(name="Cena"),
    )
    LeadFactory(name="Powrót", branch=advisor.branch, employees=[advisor], is_repeat=True)
    LeadFactory(
        name="Stary",
        branch=advisor.branch,
        employees=[advisor],
        created_at=now - timedelta(days=400),
    )
    client.force_login(advisor)
    assert names(client.get(LIST, {"failed": "true"})) == {"Fiasko"}
    assert names(client.get(LIST, {"repeat": "true"})) == {"Powrót"}
    old_range = {"created_before": (now - timedelta(days=300)).date().isoformat()}
    assert names(client.get(LIST, old_range)) == {"Stary"}


def test_no_next_step_filter_lists_open_leads_without_a_planned_conversation(client, advisor):
    planned = LeadFactory(name="Zaplanowany", branch=advisor.branch, employees=[advisor])
    Activity.objects.create(
        lead=planned, employee=advisor, planned_at=timezone.now() + timedelta(days=1)
    )
    LeadFactory(name="Bez kroku", branch=advisor.branch, employees=[advisor])
    client.force_login(advisor)
    assert names(client.get(LIST, {"no_next_step": "true"})) == {"Bez kroku"}
    response = client.get(LIST, {"no_next_step": "false"})
    assert names(response) == {"Zaplanowany"}


def test_deleted_inquiries_are_hidden_unless_asked_for(client, manager):
    LeadFactory(
        name="Spam",
        branch=manager.branch,
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )
    client.force_login(manager)
    assert "Spam" not in names(client.get(LIST))
    assert names(client.get(LIST, {"outcome": "deleted"})) == {"Spam"}


def test_sorting_by_name_both_ways(client, advisor, leads):
    client.force_login(advisor)
    ascending = [
        row.record.name
        for row in client.get(LIST, {"sort": "name"}).context["table"].paginated_rows
    ]
    descending = [
        row.record.name
        for row in client.get(LIST, {"sort": "-name"}).context["table"].paginated_rows
    ]
    assert ascending == ["Dom", "Kawalerka"]
    assert descending == ["Kawalerka", "Dom"]


def test_invalid_filter_value_is_reported_next_to_the_field(client, advisor, leads):
    client.force_login(advisor)
    response = client.get(LIST, {"created_after": "not-a-date"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors


def test_chosen_columns_and_page_size_are_remembered(client, advisor, leads):
    client.force_login(advisor)
    response = client.post(
        reverse("leads:columns"),
        {"columns": ["status", "clients"], "per_page": "50", "next": LIST + "?q=kaw"},
    )
    assert response.status_code == 302 and response.url == LIST + "?q=kaw"
    advisor.refresh_from_db()
    assert advisor.ui_preferences["leads"] == {"columns": ["status", "clients"], "per_page": 50}
    table = client.get(LIST).context["table"]
    assert [column.name for column in table.columns] == ["select", "name", "status", "clients"]
    assert table.paginator.per_page == 50


def test_column_chooser_refuses_an_empty_choice(client, advisor):
    client.force_login(advisor)
    client.post(reverse("leads:columns"), {"per_page": "25"})
    advisor.refresh_from_db()
    assert "leads" not in advisor.ui_preferences


def test_column_chooser_does_not_redirect_off_site(client, advisor):
    client.force_login(advisor)
    response = client.post(
        reverse("leads:columns"),
        {"columns": ["status"], "per_page": "25", "next": "https://evil.example/"},
    )
    assert response.url == LIST


@pytest.mark.parametrize("per_page", [25, 100])
def test_list_query_count_is_the_same_for_any_page_size(
    client, manager, per_page, django_assert_num_queries
):
    for n in range(30):
        lead = LeadFactory(
            name=f"Sprawa {n}",
            branch=manager.branch,
            employees=[manager],
            clients=[ClientFactory(branch=manager.branch)],
        )
        lead.investments.add(InvestmentFactory())
    client.force_login(manager)
    # session, user, the page, its clients, employees and investments, the capped count,
    # the user's permissions (2), and the choices of the filter panel (statuses, sources,
    # employees, investments) and of the bulk bar (statuses, employees), the saved views'
    # menu — none per row.
    with django_assert_num_queries(16):
        response = client.get(LIST, {"per_page": per_page})
    assert len(response.context["table"].paginated_rows) == min(per_page, 30)


def test_htmx_request_gets_only_the_results(client, advisor, leads):
    client.force_login(advisor)
    response = client.get(LIST, {"q": "Kawalerka"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.text
    assert "Kawalerka" in response.text


def test_names_are_escaped_in_the_table(client, advisor):
    evil = ClientFactory(first_name="<script>alert(1)</script>", branch=advisor.branch)
    LeadFactory(name="<b>bold</b>", branch=advisor.branch, employees=[advisor], clients=[evil])
    client.force_login(advisor)
    page = client.get(LIST).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_count_says_more_than_the_cap(client, advisor, leads, monkeypatch):
    monkeypatch.setattr("leads.views.lists.COUNT_CAP", 1)
    client.force_login(advisor)
    response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["total"] == 2
    assert "More than 1 leads" in response.text


# Bulk actions


def bulk(client, **data):
    return client.post(reverse("leads:bulk"), {"next": LIST, **data})


def test_bulk_change_status_moves_the_selected_leads(client, advisor, leads):
    dom = leads.__class__.objects.get(name="Dom")
    client.force_login(advisor)
    response = bulk(
        client,
        selected=[leads.pk, dom.pk],
        action="change_status",
        status=status("negocjacje").pk,
    )
    assert response.status_code == 302
    leads.refresh_from_db()
    dom.refresh_from_db()
    assert leads.status.slug == dom.status.slug == "negocjacje"
    assert leads.history.first().history_user == advisor


def test_bulk_change_status_reports_refusals_when_manual_changes_are_off(client, advisor, leads):
    settings_row = CRMSettings.get_solo()
    settings_row.manual_status_change_allowed = False
    settings_row.save()
    client.force_login(advisor)
    response = bulk(client, selected=[leads.pk], action="change_status", status=status("oferta").pk)
    leads.refresh_from_db()
    assert leads.status.slug == "nowy"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Kawalerka" in m for m in messages)


def test_bulk_action_including_a_lead_the_user_cannot_see_changes_nothing(
    client, advisor, teammate, leads
):
    foreign = LeadFactory(name="Sprawa kolegi 2", branch=advisor.branch, employees=[teammate])
    client.force_login(advisor)
    response = bulk(
        client,
        selected=[leads.pk, foreign.pk],
        action="change_status",
        status=status("oferta").pk,
    )
    assert response.status_code == 404
    leads.refresh_from_db()
    foreign.refresh_from_db()
    assert leads.status.slug == foreign.status.slug == "nowy"


def test_bulk_answers_get_with_405(client, advisor):
    client.force_login(advisor)
    assert client.get(reverse("leads:bulk")).status_code == 405
    assert client.get(reverse("leads:columns")).status_code == 405


def test_manager_assigns_an_employee_to_selected_leads(client, manager, teammate, leads):
    client.force_login(manager)
    bulk(client, selected=[leads.pk], action="add_employee", employee=teammate.pk)
    assert set(leads.employees.values_list("username", flat=True)) == {"doradca", "kolega"}


def test_advisor_cannot_assign_employees_in_bulk(client, advisor, teammate, leads):
    client.force_login(advisor)
    bulk(client, selected=[leads.pk], action="add_employee", employee=teammate.pk)
    assert list(leads.employees.values_list("username", flat=True)) == ["doradca"]


def test_manager_cannot_assign_an_employee_of_another_branch(client, manager, outsider, leads):
    client.force_login(manager)
    bulk(client, selected=[leads.pk], action="add_employee", employee=outsider.pk)
    assert list(leads.employees.values_list("username", flat=True)) == ["doradca"]


def test_bulk_export_posts_and_downloads_the_selected_leads(client, manager, leads):
    # The bulk form's POST (with its CSRF token) is the export: no GET starts one.
    client.force_login(manager)
    response = bulk(client, selected=[leads.pk], action="export")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["Kawalerka"]


def test_the_lists_export_button_is_a_form_that_posts(client, manager, leads):
    client.force_login(manager)
    page = client.get(LIST, {"q": "Kawalerka"}).text
    export_url = reverse("leads:export")
    assert f'<form method="post" action="{export_url}?q=Kawalerka"' in page
    assert f'href="{export_url}' not in page


# The client page's related leads


def test_client_related_leads_show_only_visible_leads(client, advisor, teammate, elzbieta, leads):
    LeadFactory(
        name="Sprawa kolegi z klientką",
        branch=advisor.branch,
        employees=[teammate],
        clients=[elzbieta],
    )
    client.force_login(advisor)
    response = client.get(reverse("leads:client_leads", args=[elzbieta.pk]))
    assert response.status_code == 200
    assert "Kawalerka" in response.text
    assert "Sprawa kolegi z klientką" not in response.text


def test_related_leads_of_a_client_the_user_cannot_see_are_404(client, outsider, elzbieta, leads):
    client.force_login(outsider)
    assert client.get(reverse("leads:client_leads", args=[elzbieta.pk])).status_code == 404


def test_list_filtered_by_client(client, advisor, elzbieta, leads):
    client.force_login(advisor)
    assert names(client.get(LIST, {"client": elzbieta.pk})) == {"Kawalerka"}
