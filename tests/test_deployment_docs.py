"""The README's deployment section, read by whoever puts Lejek behind its proxy: the
nginx example holds the app's own body limits, and it says why gunicorn must be reachable
only through the proxy."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from intake.payload import MAX_BODY_BYTES
from leads.imports.reading import MAX_FILE_BYTES
from leads.uploads import DOCUMENT_MAX_SIZE

UNITS = {"k": 1024, "m": 1024 * 1024}


def production_section() -> str:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    return readme.split("## Production", 1)[1].split("\n## ", 1)[0]


def nginx_limits() -> list[int]:
    """The example's client_max_body_size values in bytes, in their order."""
    found = re.findall(r"client_max_body_size (\d+)([km]);", production_section())
    return [int(number) * UNITS[unit] for number, unit in found]


def test_the_nginx_example_lets_the_largest_upload_through_and_little_more():
    general, _intake = nginx_limits()

    largest = max(MAX_FILE_BYTES, DOCUMENT_MAX_SIZE)
    assert largest < general <= largest + 2 * 1024 * 1024


def test_the_nginx_example_holds_the_intake_api_to_its_own_limit():
    _general, intake = nginx_limits()

    assert intake == MAX_BODY_BYTES
    assert "location /api/intake/ {\n        client_max_body_size 64k;" in production_section()


def test_the_deployment_section_says_why_only_the_proxy_may_reach_gunicorn():
    text = " ".join(production_section().split())

    assert "Only the proxy may reach gunicorn." in text
    assert "`LEJEK_TRUSTED_PROXIES=1`" in text
    assert "login lockout" in text and "public form's per-address limit" in text
    assert "first line against large uploads" in text
