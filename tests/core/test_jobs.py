"""Background jobs seen by their owner: the progress partial, the download, and a job
run once (tasks run eagerly here; tests/test_export_jobs.py runs a real worker)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.core.excel import XLSX_CONTENT_TYPE
from crm.core.jobs import job_run
from crm.core.models import BackgroundJob
from crm.core.storage import private_storage
from leads.exports import LEAD_EXPORT
from leads.tasks import run_lead_export
from tests.factories import ClientFactory, LeadFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def finished_job(manager, private_media):
    LeadFactory(name="Gotowa", branch=manager.branch)
    job = BackgroundJob.objects.create(user=manager, kind=LEAD_EXPORT, params={"query": ""})
    run_lead_export(str(job.pk))
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_job_page_shows_progress_of_a_running_job(client, manager):
    job = BackgroundJob.objects.create(
        user=manager,
        kind=LEAD_EXPORT,
        status=BackgroundJob.Status.RUNNING,
        progress=500,
        total=12000,
    )
    client.force_login(manager)
    response = client.get(reverse("core:job", args=[job.pk]), **HTMX)
    assert response.status_code == 200
    assert "500 / 12000" in response.text
    assert 'value="500"' in response.text and 'max="12000"' in response.text
    assert 'hx-trigger="every 1s"' in response.text
    assert "job-download" not in response.text
    assert "<html" not in response.text  # htmx gets the partial only


@pytest.mark.django_db
def test_job_status_query_count_is_fixed(client, manager, django_assert_num_queries):
    job = BackgroundJob.objects.create(user=manager, kind=LEAD_EXPORT)
    client.force_login(manager)
    with django_assert_num_queries(3):  # session, user, job
        client.get(reverse("core:job", args=[job.pk]), **HTMX)


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["teammate", "outsider", "other_manager", "administrator"])
def test_nobody_but_the_owner_sees_a_job_or_its_file(client, request, finished_job, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("core:job", args=[finished_job.pk])).status_code == 404
    assert client.get(reverse("core:job_download", args=[finished_job.pk])).status_code == 404


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_log_in_from_a_job(client, finished_job):
    for name in ("core:job", "core:job_download"):
        response = client.get(reverse(name, args=[finished_job.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_owner_downloads_the_finished_file_as_an_attachment(client, manager, finished_job):
    client.force_login(manager)
    response = client.get(reverse("core:job_download", args=[finished_job.pk]))
    assert finished_job.file_name in response["Content-Disposition"]
    sheet = read_xlsx(response)
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["Gotowa"]


@pytest.mark.django_db
def test_unfinished_job_has_nothing_to_download(client, manager):
    job = BackgroundJob.objects.create(user=manager, kind=LEAD_EXPORT)
    client.force_login(manager)
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_job_urls_answer_post_with_405(client, manager, finished_job):
    client.force_login(manager)
    assert client.post(reverse("core:job", args=[finished_job.pk])).status_code == 405
    assert client.post(reverse("core:job_download", args=[finished_job.pk])).status_code == 405


@pytest.mark.django_db
def test_a_finished_job_is_not_redone_when_its_task_comes_again(manager, finished_job):
    before = (finished_job.file.name, finished_job.finished_at)
    LeadFactory(name="Dodana później", branch=manager.branch)
    run_lead_export(str(finished_job.pk))  # a redelivered message (acks late)
    finished_job.refresh_from_db()
    assert (finished_job.file.name, finished_job.finished_at) == before
    assert finished_job.total == 1


@pytest.mark.django_db
def test_a_job_left_running_by_a_killed_worker_starts_over(manager, private_media):
    LeadFactory(branch=manager.branch)
    job = BackgroundJob.objects.create(
        user=manager, kind=LEAD_EXPORT, status=BackgroundJob.Status.RUNNING, progress=7
    )
    run_lead_export(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.progress, job.total) == (BackgroundJob.Status.DONE, 1, 1)


@pytest.mark.django_db
def test_a_failing_job_is_marked_failed_and_the_owner_told(client, manager, private_media):
    job = BackgroundJob.objects.create(user=manager, kind=LEAD_EXPORT)

    def broken_writer(job, file_obj, progress):
        raise RuntimeError("disk full")

    job_run(job_id=str(job.pk), kind=LEAD_EXPORT, writer=broken_writer)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED
    assert job.error == "RuntimeError: disk full"
    assert job.finished_at is not None and job.finished_at <= timezone.now()
    client.force_login(manager)
    response = client.get(reverse("core:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "The export failed" in response.text
    assert "hx-trigger" not in response.text
    assert "disk full" not in response.text  # internals stay in the job and the log
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_job_of_another_kind_is_not_run_by_the_lead_task(manager):
    job = BackgroundJob.objects.create(user=manager, kind="client_export")
    run_lead_export(str(job.pk))
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.QUEUED


@pytest.mark.django_db
def test_client_job_rebuilds_the_owners_filtered_clients(manager, other_branch, private_media):
    from clients.tasks import run_client_export

    ClientFactory(first_name="Elżbieta", last_name="Turza", branch=manager.branch)
    ClientFactory(first_name="Jan", last_name="Nowak", branch=manager.branch)
    ClientFactory(first_name="Elżbieta", last_name="Obca", branch=other_branch)
    job = BackgroundJob.objects.create(
        user=manager, kind="client_export", params={"query": "q=Elzbieta"}
    )
    run_client_export(str(job.pk))
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE
    with private_storage.open(job.file.name) as stored:
        sheet = load_workbook(io.BytesIO(stored.read())).active
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == ["Turza"]
