"""What the offers' browser story needs: Debian's Chromium for pytest-playwright (as in
tests/browser/conftest.py, which does not reach tests/leads) and a logged-in page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client as HttpClient

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def logged_in_page(page, live_server):
    """Log a user in by handing the browser a session cookie made by Django's test client."""

    def _log_in(user):
        http = HttpClient()
        http.force_login(user)
        cookie = http.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return _log_in


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Our users' browsers ask for Polish; LocaleMiddleware follows Accept-Language.
    return {**browser_context_args, "locale": "pl-PL"}
