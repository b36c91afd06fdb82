"""Real Chromium (Debian's package) driven by Playwright against pytest-django's live server."""

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


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Our users' browsers ask for Polish; LocaleMiddleware follows Accept-Language.
    return {**browser_context_args, "locale": "pl-PL"}


@pytest.fixture
def log_in(page, live_server):
    """Log a user in through the real login form."""

    def _log_in(username: str, password: str = "haslo-testowe-123") -> None:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Nazwa użytkownika").fill(username)
        page.get_by_label("Hasło").fill(password)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/")

    return _log_in


@pytest.fixture
def logged_in_page(page, live_server):
    """Log a user in without the login form: the browser gets a session cookie made by
    Django's test client (for stories that are not about logging in)."""

    def _log_in(user):
        http = HttpClient()
        http.force_login(user)
        cookie = http.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return _log_in
