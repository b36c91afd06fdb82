"""Lejek has an icon in the browser's tab: every page base links it, and /favicon.ico (which
browsers ask for on their own) leads to it instead of a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import source

pytestmark = pytest.mark.django_db

ICON = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)


def test_the_login_page_and_the_app_link_the_icon(client, advisor):
    assert ICON in client.get(reverse("login")).text
    client.force_login(advisor)
    assert ICON in client.get(reverse("home")).text


def test_the_public_inquiry_form_links_the_icon(client):
    www = source("www")
    www.intake_form_enabled = True
    www.save()
    response = client.get(reverse("intake_form", args=[www.slug]))
    assert response.status_code == 200
    assert ICON in response.text
