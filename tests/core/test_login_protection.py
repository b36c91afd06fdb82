"""Someone guesses an advisor's password: after five wrong tries that username is locked
from that address for a while, the right password included, while the advisor's
colleagues, and the advisor from elsewhere, still log in; an administrator can lift the
lock. Also: weak passwords are refused and a session ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.core.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "haslo-testowe-123"
OFFICE = "10.0.0.1"


def log_in(username: str, password: str, address: str = OFFICE) -> tuple[Client, object]:
    browser = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="pl")
    response = browser.post(reverse("login"), {"username": username, "password": password})
    return browser, response


def is_logged_in(browser: Client) -> bool:
    return browser.get(reverse("home")).status_code == 200


@pytest.fixture
def locked_advisor(advisor):
    """Five wrong passwords for the advisor's username from the office's address."""
    for attempt in range(4):
        _browser, response = log_in(advisor.username, f"zgaduje-{attempt}")
        assert response.status_code == 200  # the login form again, with its error
    _browser, response = log_in(advisor.username, "zgaduje-4")
    assert response.status_code == 429  # the fifth one already gets the lockout page
    return advisor


def test_four_wrong_passwords_still_let_the_right_one_in(advisor):
    for attempt in range(4):
        log_in(advisor.username, f"zgaduje-{attempt}")

    browser, response = log_in(advisor.username, PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(browser)


def test_after_five_wrong_passwords_even_the_right_one_is_refused(locked_advisor):
    browser, response = log_in(locked_advisor.username, PASSWORD)

    assert response.status_code == 429
    text = response.content.decode()
    assert "Zbyt wiele nieudanych prób logowania" in text
    assert "Spróbuj ponownie za 15 minut" in text
    assert not is_logged_in(browser)


def test_the_lock_holds_only_for_that_username_from_that_address(locked_advisor, teammate):
    elsewhere, response = log_in(locked_advisor.username, PASSWORD, address="10.0.0.2")
    assert response.status_code == 302
    assert is_logged_in(elsewhere)

    colleague, response = log_in(teammate.username, PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(colleague)


def test_administrator_lifts_the_lock_in_the_admin(locked_advisor, administrator, client):
    client.force_login(administrator)
    attempts = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert locked_advisor.username in attempts.content.decode()
    attempt_id = attempts.context["cl"].result_list[0].pk

    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt_id]), {"post": "yes"})

    browser, response = log_in(locked_advisor.username, PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(browser)


def test_the_lock_is_lifted_from_the_command_line(locked_advisor):
    call_command("axes_reset_username", locked_advisor.username, verbosity=0)

    browser, response = log_in(locked_advisor.username, PASSWORD)
    assert response.status_code == 302


def test_administrator_cannot_give_a_user_a_weak_password(administrator, advisor, client):
    client.force_login(administrator)
    url = reverse("admin:auth_user_password_change", args=[advisor.pk])

    response = client.post(url, {"password1": "12345678", "password2": "12345678"})

    assert response.status_code == 200  # the form again
    errors = " ".join(response.context["form"].errors["password2"])
    assert "zbyt powszechne" in errors  # "This password is too common."
    advisor.refresh_from_db()
    assert advisor.check_password(PASSWORD)


def test_login_cookie_ends_with_the_browser(advisor):
    _browser, response = log_in(advisor.username, PASSWORD)

    session_cookie = response.cookies["sessionid"]
    assert session_cookie["expires"] == "" and session_cookie["max-age"] == ""


def test_an_expired_session_is_sent_to_the_login_page(advisor):
    browser, _response = log_in(advisor.username, PASSWORD)
    assert is_logged_in(browser)
    # The working day is over: the session's SESSION_COOKIE_AGE has run out.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = browser.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_inactive_user_cannot_log_in_even_with_the_right_password(advisor):
    User.objects.filter(pk=advisor.pk).update(is_active=False)

    browser, response = log_in(advisor.username, PASSWORD)

    assert response.status_code == 200
    assert not is_logged_in(browser)
