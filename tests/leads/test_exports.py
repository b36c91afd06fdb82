"""Excel export of the lead list: the user's filtered, visible leads with the list's
columns, as a real .xlsx read back with openpyxl; managers and administrators only. The
export is a POST (the list's button); a GET shows what would be exported."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from crm.core.excel import DATETIME_FORMAT, XLSX_CONTENT_TYPE
from crm.core.models import BackgroundJob
from leads.exports import LEAD_EXPORT
from leads.models import DeletionReason, FailureReason, IntakeOutcome
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, UserFactory, status

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ENGLISH_HEADERS = [
    "Name",
    "Status",
    "Clients",
    "Employees",
    "Source",
    "Investments",
    "Created",
    "Created by",
    "Updated",
    "Updated by",
    "Failure date",
    "Failure reason",
    "Repeat lead",
    "Intake outcome",
]
# The default survey's questions (the seeded "Ankieta zakupowa") follow the list's columns.
# A yes/no per marketing consent of the lead's people, after the list's columns.
CONSENT_HEADERS = [
    "Marketing by email",
    "Marketing by phone call",
    "Marketing by SMS / messenger",
    "Automated calling systems",
    "Profiling",
]
SURVEY_HEADERS = [
    "Budżet (PLN)",
    "Liczba pokoi",
    "Powierzchnia (m²)",
    "Piętro",
    "Finansowanie",
    "Termin zakupu",
    "Cel zakupu",
]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".xlsx" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def names(sheet) -> list[str]:
    return [row[0].value for row in sheet.iter_rows(min_row=2)]


def export(client, user, query: str = "", **extra):
    client.force_login(user)
    return client.post(f"{reverse('leads:export')}{query}", **extra)


def test_manager_exports_exactly_the_filtered_leads_of_the_branch(client, manager, other_branch):
    LeadFactory(name="Oferta u nas", branch=manager.branch, status=status("oferta"))
    LeadFactory(name="Nowy u nas", branch=manager.branch, status=status("nowy"))
    LeadFactory(name="Oferta w innym oddziale", branch=other_branch, status=status("oferta"))
    LeadFactory(
        name="Usunięte zgłoszenie",
        branch=manager.branch,
        status=status("oferta"),
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )
    sheet = read_xlsx(export(client, manager, f"?status={status('oferta').pk}"))
    assert names(sheet) == ["Oferta u nas"]


def test_search_of_the_list_applies_to_the_export(client, manager):
    kowalska = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=manager.branch)
    LeadFactory(name="Mieszkanie Turzy", branch=manager.branch, clients=[kowalska])
    LeadFactory(name="Inna sprawa", branch=manager.branch)
    sheet = read_xlsx(export(client, manager, "?q=Elzbieta"))
    assert names(sheet) == ["Mieszkanie Turzy"]


def test_export_rows_carry_the_list_columns(client, manager, advisor):
    buyer = ClientFactory(first_name="Jan", last_name="Nowak", branch=manager.branch)
    lead = LeadFactory(
        name="Zakup mieszkania",
        branch=manager.branch,
        status=status("oferta"),
        employees=[advisor],
        clients=[buyer],
        created_at=datetime(2022, 6, 29, 12, 44, tzinfo=UTC),
        created_by=advisor,
        updated_by=manager,
        failed_at=datetime(2022, 7, 1, 8, 0, tzinfo=UTC),
        failure_reason=FailureReason.objects.get(name="Cena"),
        is_repeat=True,
        intake_outcome=IntakeOutcome.LINKED,
    )
    lead.investments.add(InvestmentFactory(name="Akacjowa"))

    sheet = read_xlsx(export(client, manager, **EN))

    assert [cell.value for cell in sheet[1]] == ENGLISH_HEADERS + CONSENT_HEADERS + SURVEY_HEADERS
    assert all(cell.font.b for cell in sheet[1])
    row = [cell.value for cell in sheet[2]]
    assert row == [
        "Zakup mieszkania",
        "Oferta",
        "Jan Nowak",
        "Anna Wiśniewska",
        "www",
        "Akacjowa",
        datetime(2022, 6, 29, 14, 44),  # Warsaw summer time
        "Anna Wiśniewska",
        datetime(2022, 6, 29, 14, 44),
        str(manager),
        datetime(2022, 7, 1, 10, 0),
        "Cena",
        "Yes",
        "Linked",
        *["No"] * len(CONSENT_HEADERS),  # no marketing consent
        *[None] * len(SURVEY_HEADERS),  # no survey filled
    ]
    for column in ("G", "I", "K"):
        assert sheet[f"{column}2"].is_date
        assert sheet[f"{column}2"].number_format == DATETIME_FORMAT


def test_headers_come_in_polish_by_default(client, manager):
    LeadFactory(branch=manager.branch)
    headers = [cell.value for cell in read_xlsx(export(client, manager))[1]]
    assert headers[:4] == ["Nazwa", "Status", "Klienci", "Pracownicy"]
    assert "Data fiaska" in headers
    assert "Powtarzalny lead" in headers


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x")', "+48", "-5", "@SUM(A1)", "<script>alert(1)</script>"]
)
def test_lead_names_are_text_never_formulas(client, manager, name):
    LeadFactory(name=name, branch=manager.branch)
    cell = read_xlsx(export(client, manager))["A2"]
    assert cell.value == name
    assert cell.data_type == "s"


def test_selected_rows_export_only_what_the_user_may_see(client, manager, other_branch):
    ours = LeadFactory(name="Zaznaczony", branch=manager.branch)
    LeadFactory(name="Niezaznaczony", branch=manager.branch)
    theirs = LeadFactory(name="Cudzy zaznaczony", branch=other_branch)
    sheet = read_xlsx(export(client, manager, f"?id={ours.pk},{theirs.pk}"))
    assert names(sheet) == ["Zaznaczony"]


def test_export_keeps_the_lists_sort(client, manager):
    for name in ("Beta", "Alfa", "Gamma"):
        LeadFactory(name=name, branch=manager.branch)
    assert names(read_xlsx(export(client, manager, "?sort=name"))) == ["Alfa", "Beta", "Gamma"]
    assert names(read_xlsx(export(client, manager, "?sort=-name"))) == ["Gamma", "Beta", "Alfa"]


def test_administrator_exports_every_branch(client, administrator, other_branch):
    LeadFactory(name="Tutaj", branch=administrator.branch)
    LeadFactory(name="Tam", branch=other_branch)
    assert sorted(names(read_xlsx(export(client, administrator)))) == ["Tam", "Tutaj"]


def test_manager_of_another_branch_does_not_get_our_leads(client, other_manager, branch):
    LeadFactory(name="Nasza sprawa", branch=branch)
    LeadFactory(name="Ich sprawa", branch=other_manager.branch)
    assert names(read_xlsx(export(client, other_manager))) == ["Ich sprawa"]


def test_advisor_exports_only_the_leads_they_work_on(client, advisor, teammate):
    LeadFactory(name="Moja", branch=advisor.branch, employees=[advisor])
    LeadFactory(name="Kolegi", branch=advisor.branch, employees=[teammate])
    assert names(read_xlsx(export(client, advisor))) == ["Moja"]


def test_user_without_the_export_permission_is_refused_and_told_why(client, advisor):
    advisor.groups.clear()
    LeadFactory(branch=advisor.branch, employees=[advisor])
    response = export(client, advisor, **EN)
    assert response.status_code == 403
    assert "Your role does not include exporting lists to Excel" in response.text
    assert not BackgroundJob.objects.exists()


def test_anonymous_user_is_sent_to_log_in(client):
    response = client.post(reverse("leads:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_get_shows_what_would_be_exported_and_exports_nothing(client, manager, settings):
    settings.LEJEK_SYNC_EXPORT_LIMIT = 1
    turza = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=manager.branch)
    for name in ("Mieszkanie Turzy", "Garaż Turzy"):
        LeadFactory(name=name, branch=manager.branch, status=status("oferta"), clients=[turza])
    client.force_login(manager)
    url = f"{reverse('leads:export')}?q=Turza&status={status('oferta').pk}&failed=false"

    response = client.get(url, **EN)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.text
    assert "Search: Turza" in page
    assert "Status: Oferta" in page
    assert "Failure: no" in page
    # Two rows, over this limit: a POST would start a background job, the GET starts none.
    assert "More than 1: the file is prepared in the background" in page
    assert "Excel workbook (.xlsx)" in page
    assert f'<form method="post" action="{url.replace("&", "&amp;")}"' in page
    assert "csrfmiddlewaretoken" in page
    assert not BackgroundJob.objects.exists()


def test_the_page_counts_the_rows_and_names_the_selection(client, manager):
    chosen = [LeadFactory(branch=manager.branch) for _ in range(3)]
    client.force_login(manager)
    ids = ",".join(str(lead.pk) for lead in chosen[:2])
    response = client.get(f"{reverse('leads:export')}?id={ids}", **EN)
    assert "Selected leads: 2" in response.text
    assert "2 rows" in response.text


def test_the_page_names_a_client_the_user_may_not_see_by_their_whole_id(
    client, manager, other_branch
):
    theirs = ClientFactory(first_name="Obcy", last_name="Klient", branch=other_branch)
    client.force_login(manager)
    for client_id in (theirs.pk, 1234567):
        page = client.get(f"{reverse('leads:export')}?client={client_id}", **EN).text
        assert f"Client: #{client_id}</li>" in page
        assert "Obcy" not in page
    ours = ClientFactory(first_name="Nasz", last_name="Klient", branch=manager.branch)
    page = client.get(f"{reverse('leads:export')}?client={ours.pk}", **EN).text
    assert "Client: Nasz Klient</li>" in page


def test_the_export_is_refused_without_the_csrf_token(manager):
    LeadFactory(name="Jedyna", branch=manager.branch)
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(manager)
    url = reverse("leads:export")
    assert browser.post(url).status_code == 403

    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    assert names(read_xlsx(browser.post(url, {"csrfmiddlewaretoken": token}))) == ["Jedyna"]


def test_export_answers_put_with_405(client, manager):
    client.force_login(manager)
    assert client.put(reverse("leads:export")).status_code == 405


def test_export_query_count_does_not_grow_with_rows(client, manager, django_assert_num_queries):
    for n in range(30):
        lead = LeadFactory(
            name=f"Sprawa {n}",
            branch=manager.branch,
            employees=[manager],
            clients=[ClientFactory(branch=manager.branch)],
        )
        lead.investments.add(InvestmentFactory())
    client.force_login(manager)
    # session, user, permissions (user's and groups'), the capped count, the default
    # survey's questions, the leads, and one prefetch each for clients, employees,
    # investments and survey answers; the consents of the leads' people.
    with django_assert_num_queries(12):
        response = client.post(reverse("leads:export"))
    assert len(names(read_xlsx(response))) == 30


def test_the_page_reads_its_filters_once(client, manager, advisor, django_assert_num_queries):
    turza = ClientFactory(first_name="Elżbieta", last_name="Turza", branch=manager.branch)
    LeadFactory(
        branch=manager.branch, status=status("oferta"), clients=[turza], employees=[advisor]
    )
    offer = status("oferta").pk
    url = f"{reverse('leads:export')}?status={offer}&employee={advisor.pk}&client={turza.pk}"
    client.force_login(manager)
    # session, user, the chosen statuses, the chosen employee, permissions (user's and
    # groups'), the capped count, the client's name.
    with django_assert_num_queries(8):
        page = client.get(url, **EN).text
    assert "Client: Elżbieta Turza</li>" in page
    assert "1 row" in page


def test_more_rows_than_the_limit_become_a_background_job(
    client, manager, settings, django_capture_on_commit_callbacks
):
    settings.LEJEK_SYNC_EXPORT_LIMIT = 3
    for n in range(4):
        LeadFactory(name=f"Sprawa {n}", branch=manager.branch)
    client.force_login(manager)
    url = f"{reverse('leads:export')}?sort=name"
    # Tests run tasks eagerly: the job is built when the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        response = client.post(url, **EN)

    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job", args=[job.pk])
    assert job.user == manager
    assert job.kind == LEAD_EXPORT
    assert job.params["query"] == "sort=name"
    assert job.params["language"] == "en"
    assert job.status == BackgroundJob.Status.DONE
    assert (job.progress, job.total) == (4, 4)
    sheet = read_xlsx(client.get(reverse("core:job_download", args=[job.pk])))
    assert names(sheet) == ["Sprawa 0", "Sprawa 1", "Sprawa 2", "Sprawa 3"]
    assert sheet["A1"].value == "Name"  # the language of the request that asked


def test_the_limit_itself_is_still_exported_at_once(client, manager, settings):
    settings.LEJEK_SYNC_EXPORT_LIMIT = 3
    for _ in range(3):
        LeadFactory(branch=manager.branch)
    assert len(names(read_xlsx(export(client, manager)))) == 3
    assert not BackgroundJob.objects.exists()


def test_export_of_an_empty_list_has_the_header_only(client, manager):
    sheet = read_xlsx(export(client, manager))
    assert sheet.max_row == 1


def test_user_without_branch_as_manager_exports_nothing(client, manager):
    lonely = UserFactory(username="bez-oddzialu", role=manager.role, branch=None)
    LeadFactory(branch=manager.branch)
    assert names(read_xlsx(export(client, lonely))) == []


def test_rows_keep_their_own_clients_across_chunks(client, manager, monkeypatch):
    monkeypatch.setattr("leads.exports.CHUNK_SIZE", 2)
    for n in range(5):
        buyer = ClientFactory(first_name="Klient", last_name=f"Nr{n}", branch=manager.branch)
        LeadFactory(name=f"Sprawa {n}", branch=manager.branch, clients=[buyer])
    LeadFactory(name="Bez klienta", branch=manager.branch)
    sheet = read_xlsx(export(client, manager, "?sort=name"))
    rows = [(row[0].value, row[2].value, row[7].value) for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        ("Bez klienta", None, None),
        *((f"Sprawa {n}", f"Klient Nr{n}", None) for n in range(5)),
    ]
