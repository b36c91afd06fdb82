"""A phone can put Lejek on its home screen: every page links the web app manifest, which
names Lejek, opens My day without the browser's bars and gives icons that exist."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_manifest_names_lejek_and_its_icons(client):
    response = client.get(reverse("manifest"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert (manifest["short_name"], manifest["display"]) == ("Lejek", "standalone")
    assert manifest["start_url"] == reverse("leads:my_day")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        path = icon["src"].removeprefix(settings.STATIC_URL)
        assert finders.find(path), icon["src"]


def test_every_page_links_the_manifest(client, advisor):
    client.force_login(advisor)
    page = client.get(reverse("leads:my_day")).content.decode()
    assert f'<link rel="manifest" href="{reverse("manifest")}">' in page
    assert '<meta name="theme-color"' in page
