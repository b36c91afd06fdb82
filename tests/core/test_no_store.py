"""Nothing a logged-in user is sent may stay in a browser's or a proxy's cache: pages,
JSON and exports carry clients' personal data. Static files and what anonymous visitors
get keep their own caching (WhiteNoise answers static files before the user is known)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.core.excel import XLSX_CONTENT_TYPE
from tests.factories import LeadFactory, status

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_logged_in_users_page_is_not_stored(client, advisor):
    LeadFactory(name="Mieszkanie Turzy", branch=advisor.branch, employees=[advisor])
    client.force_login(advisor)
    response = client.get(reverse("leads:list"))
    assert response.status_code == 200 and "Mieszkanie Turzy" in response.text
    assert no_store(response)


def test_a_json_answer_to_a_logged_in_user_is_not_stored(client, advisor):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor])
    client.force_login(advisor)
    response = client.post(
        reverse("leads:kanban_move", args=[lead.pk]),
        {"status": status("oferta").pk},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert no_store(response)


def test_an_export_is_not_stored(client, manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    LeadFactory(branch=manager.branch)
    client.force_login(manager)
    response = client.post(reverse("leads:export"))
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert no_store(response)


def test_a_report_export_and_its_page_are_not_stored(client, manager):
    client.force_login(manager)
    url = f"{reverse('reports:sources')}?format=xlsx"
    assert no_store(client.get(url))
    exported = client.post(url)
    assert exported["Content-Type"] == XLSX_CONTENT_TYPE
    assert no_store(exported)


def test_static_files_keep_their_own_caching_for_logged_in_users_too(client, advisor):
    client.force_login(advisor)
    response = client.get("/static/css/lejek.css")
    assert response.status_code == 200
    assert not no_store(response)
