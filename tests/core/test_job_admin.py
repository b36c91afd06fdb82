"""The background jobs' admin page, where administrators look up why an export failed."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from crm.core.models import BackgroundJob

pytestmark = pytest.mark.django_db


def test_a_finished_jobs_page_shows_its_file_name_without_a_link(
    client, administrator, manager, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    job = BackgroundJob.objects.create(
        user=manager, kind="lead_export", params={}, status=BackgroundJob.Status.DONE
    )
    job.file.save(f"{job.pk}.xlsx", ContentFile(b"PK"), save=False)
    job.file_name = "leady-2026-12-07.xlsx"
    job.save()
    client.force_login(administrator)

    response = client.get(reverse("admin:core_backgroundjob_change", args=[job.pk]))

    # The file is private: it has no URL to link (the page used to raise on it).
    assert response.status_code == 200
    assert "leady-2026-12-07.xlsx" in response.text
    assert f"{job.pk}.xlsx" not in response.text
