"""What the intake stories share: a portal with its token and its server, English
messages, a fresh rate limiter, a browser per actor. Nothing here is autouse: each test
module asks for what it needs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient
from django.utils import translation

from clients.models import LeadSource
from clients.services import source_rotate_intake_token
from crm.core.models import User
from tests.factories import source


@pytest.fixture
def in_english(settings):
    """English messages, the raw log's reasons included (written in the installation's
    language, LANGUAGE_CODE, as a worker writes them)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def empty_rate_limits():
    """The per-address counters live in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser_of() -> Callable[[User | None], HttpClient]:
    """A browser in English, logged in as the given user (or anonymous)."""

    def open_browser(user: User | None = None) -> HttpClient:
        http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            http.force_login(user)
        return http

    return open_browser


@pytest.fixture
def portal() -> LeadSource:
    return source("rynekpierwotny")


@pytest.fixture
def token(portal) -> str:
    """The token the Lejek administrator gave the portal."""
    return source_rotate_intake_token(source=portal)


@pytest.fixture
def partner(token) -> HttpClient:
    """The portal's server, sending its token with every request. A server error reaches
    it as a 500 answer, as it would a real partner."""
    return HttpClient(
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
        raise_request_exception=False,
    )
