"""A report's .xlsx export starts with a POST (the page's button, CSRF-protected); a GET
of the export's URL only says what would be exported, with that button."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from crm.core.excel import XLSX_CONTENT_TYPE
from tests.factories import source

from .conftest import PERIOD

pytestmark = pytest.mark.django_db

URL = reverse("reports:sources")


def test_a_get_of_the_export_url_says_what_would_be_exported(client, manager, report_data):
    client.force_login(manager)
    url = f"{URL}?{urlencode({**PERIOD, 'source': source('www').pk, 'format': 'xlsx'})}"

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.text
    assert "Export to Excel: Sources" in page
    assert "Created from: 01.01.2026" in page and "Created to: 31.03.2026" in page
    assert "Source: www" in page
    assert "one per table of the report" in page
    assert f'<form method="post" action="{url.replace("&", "&amp;")}"' in page
    assert "csrfmiddlewaretoken" in page


def test_the_report_page_exports_through_a_form_that_posts(client, manager, report_data):
    client.force_login(manager)
    page = client.get(URL, PERIOD).text
    action = re.search(r'<form method="post" action="([^"]+)" id="report-export">', page)
    assert action and "format=xlsx" in action.group(1)
    assert 'form="report-export"' in page  # the button beside "Show"
    assert " download>" not in page


def test_the_export_is_refused_without_the_csrf_token(manager, report_data):
    browser = HttpClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(manager)
    url = f"{URL}?{urlencode({**PERIOD, 'format': 'xlsx'})}"
    assert browser.post(url).status_code == 403

    confirm = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.text).group(1)
    response = browser.post(url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE


@pytest.mark.parametrize(
    "name", ["reports:sources", "reports:funnel", "reports:response_times", "reports:repeat"]
)
def test_every_report_exports_on_post_only(client, manager, report_data, name):
    client.force_login(manager)
    url = f"{reverse(name)}?{urlencode({**PERIOD, 'format': 'xlsx'})}"
    assert client.get(url)["Content-Type"].startswith("text/html")
    assert client.post(url)["Content-Type"] == XLSX_CONTENT_TYPE
    # A POST that is not an export changes nothing a report could: refused.
    assert client.post(f"{reverse(name)}?{urlencode(PERIOD)}").status_code == 405
