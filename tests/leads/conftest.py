"""What the lead stories share: the advisor's browser."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient


@pytest.fixture
def web(advisor) -> HttpClient:
    """The advisor's browser, asking for English."""
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(advisor)
    return http
