"""Excel export of the client list: the user's filtered, visible clients with the seed's
client columns, read back with openpyxl; managers and administrators only. The export is
a POST (the list's button); a GET shows what would be exported."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clients.exports import CLIENT_EXPORT
from clients.models import ClientKind
from crm.core.excel import DATETIME_FORMAT, XLSX_CONTENT_TYPE
from crm.core.models import BackgroundJob
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def last_names(sheet) -> list[str]:
    return [row[1].value for row in sheet.iter_rows(min_row=2)]


def export(client, user, query: str = "", **extra):
    client.force_login(user)
    return client.post(f"{reverse('clients:export')}{query}", **extra)


def test_manager_exports_the_filtered_clients_of_the_branch(client, manager, other_branch):
    ClientFactory(first_name="Elżbieta", last_name="Turza", branch=manager.branch)
    ClientFactory(first_name="Jan", last_name="Nowak", branch=manager.branch)
    ClientFactory(first_name="Elżbieta", last_name="Obca", branch=other_branch)
    sheet = read_xlsx(export(client, manager, "?q=Elzbieta"))
    assert last_names(sheet) == ["Turza"]


def test_export_rows_carry_the_client_columns(client, manager, advisor):
    ClientFactory(
        kind=ClientKind.COMPANY,
        company_name="Budimex-Dom sp. z o.o.",
        first_name="Hanna",
        last_name="Kuźniewska",
        email="hanna@example.pl",
        phone="+48 600 100 200",
        pesel="02070803628",
        caretaker=advisor,
        branch=manager.branch,
        failed=True,
        failed_at=datetime(2022, 1, 15, 13, 44, tzinfo=UTC),
    )
    sheet = read_xlsx(export(client, manager, **EN))
    assert [cell.value for cell in sheet[1]] == [
        "First name",
        "Last name",
        "Company name",
        "Email",
        "Phone",
        "PESEL",
        "Caretaker",
        "Branch",
        "Source",
        "Added",
        "Failure",
        "Failure date",
        "Marketing by email",
        "Marketing by phone call",
        "Marketing by SMS / messenger",
        "Automated calling systems",
        "Profiling",
    ]
    row = [cell.value for cell in sheet[2]]
    assert row[:9] == [
        "Hanna",
        "Kuźniewska",
        "Budimex-Dom sp. z o.o.",
        "hanna@example.pl",
        "+48 600 100 200",
        "02070803628",  # leading zero kept: PESEL is text
        "Anna Wiśniewska",
        "Poznań Centrum",
        "www",
    ]
    assert row[10:12] == ["Yes", datetime(2022, 1, 15, 14, 44)]  # Warsaw winter time
    assert row[12:] == ["No"] * 5  # no marketing consent
    # "Added" is now, in Warsaw wall-clock time, as an Excel date.
    added = sheet["J2"]
    assert added.is_date and added.number_format == DATETIME_FORMAT
    warsaw_now = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    assert abs((warsaw_now.replace(tzinfo=None) - added.value).total_seconds()) < 120


def test_phone_starting_with_plus_is_text_never_a_formula(client, manager):
    ClientFactory(
        first_name="=1+1", last_name="@SUM(A1)", phone="+48600100200", branch=manager.branch
    )
    sheet = read_xlsx(export(client, manager))
    for cell in (sheet["A2"], sheet["B2"], sheet["E2"]):
        assert cell.data_type == "s"
    assert (sheet["A2"].value, sheet["B2"].value, sheet["E2"].value) == (
        "=1+1",
        "@SUM(A1)",
        "+48600100200",
    )


def test_manager_of_another_branch_does_not_get_our_clients(client, other_manager, branch):
    ClientFactory(last_name="Nasz", branch=branch)
    ClientFactory(last_name="Ich", branch=other_manager.branch)
    assert last_names(read_xlsx(export(client, other_manager))) == ["Ich"]


def test_administrator_exports_clients_of_every_branch(client, administrator, other_branch):
    ClientFactory(last_name="Tutaj", branch=administrator.branch)
    ClientFactory(last_name="Tam", branch=other_branch)
    assert sorted(last_names(read_xlsx(export(client, administrator)))) == ["Tam", "Tutaj"]


def test_export_keeps_the_lists_sort(client, manager):
    for last_name in ("Bąk", "Adamczyk", "Cichy"):
        ClientFactory(last_name=last_name, branch=manager.branch)
    sheet = read_xlsx(export(client, manager, "?sort=last_name"))
    assert last_names(sheet) == ["Adamczyk", "Bąk", "Cichy"]


def test_user_without_the_export_permission_may_not_export_clients(client, advisor):
    advisor.groups.clear()
    ClientFactory(caretaker=advisor, branch=advisor.branch)
    response = export(client, advisor, **EN)
    assert response.status_code == 403
    assert "Your role does not include exporting lists to Excel" in response.text


def test_a_get_shows_what_would_be_exported_and_exports_nothing(client, manager, settings):
    settings.LEJEK_SYNC_EXPORT_LIMIT = 1
    ClientFactory(first_name="Elżbieta", last_name="Turza", branch=manager.branch)
    ClientFactory(first_name="Elżbieta", last_name="Nowak", branch=manager.branch)
    client.force_login(manager)
    url = f"{reverse('clients:export')}?q=Elzbieta&failed=false&added_after=2026-01-01"

    response = client.get(url, **EN)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.text
    assert "Search: Elzbieta" in page and "Failure: no" in page
    assert "Added: from 01.01.2026" in page
    assert "More than 1: the file is prepared in the background" in page
    assert f'<form method="post" action="{url.replace("&", "&amp;")}"' in page
    assert not BackgroundJob.objects.exists()


def test_client_export_answers_put_with_405(client, manager):
    client.force_login(manager)
    assert client.put(reverse("clients:export")).status_code == 405


def test_the_client_lists_export_button_is_a_form_that_posts(client, manager):
    client.force_login(manager)
    page = client.get(reverse("clients:list"), {"q": "Turza"}).text
    export_url = reverse("clients:export")
    assert f'<form method="post" action="{export_url}?q=Turza' in page
    assert f'href="{export_url}' not in page


def test_client_export_query_count_is_fixed(client, manager, advisor, django_assert_num_queries):
    for _ in range(30):
        ClientFactory(caretaker=advisor, branch=manager.branch)
    client.force_login(manager)
    # session, user, permissions (user's and groups'), the capped count, the clients,
    # their marketing consents.
    with django_assert_num_queries(7):
        response = client.post(reverse("clients:export"))
    assert len(last_names(read_xlsx(response))) == 30


def test_the_page_reads_its_filters_once(client, manager, advisor, django_assert_num_queries):
    ClientFactory(last_name="Turza", caretaker=advisor, branch=manager.branch)
    client.force_login(manager)
    url = f"{reverse('clients:export')}?q=Turza&caretaker={advisor.pk}&failed=false"
    # session, user, the chosen caretaker, permissions (user's and groups'), the capped
    # count.
    with django_assert_num_queries(6):
        page = client.get(url, **EN).text
    assert f"Caretaker: {advisor}</li>" in page
    assert "1 row" in page


def test_more_clients_than_the_limit_become_a_background_job(
    client, manager, settings, django_capture_on_commit_callbacks
):
    settings.LEJEK_SYNC_EXPORT_LIMIT = 2
    for last_name in ("Adamczyk", "Bąk", "Cichy"):
        ClientFactory(last_name=last_name, branch=manager.branch)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{reverse('clients:export')}?sort=last_name")
    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("core:job", args=[job.pk])
    assert (job.kind, job.status, job.total) == (CLIENT_EXPORT, BackgroundJob.Status.DONE, 3)
    sheet = read_xlsx(client.get(reverse("core:job_download", args=[job.pk])))
    assert last_names(sheet) == ["Adamczyk", "Bąk", "Cichy"]
