"""Login, logout, the home page and its side menu."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import LeadFactory, status

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_is_polish_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="pl"' in response.text
    assert "Zaloguj" in response.text


def test_advisor_logs_in_and_sees_the_side_menu(client, advisor):
    response = client.post(
        reverse("login"), {"username": "doradca", "password": "haslo-testowe-123"}, follow=True
    )
    assert response.status_code == 200
    page = response.text
    for link in ("leads:list", "clients:list", "clients:contractor_list", "investments:list"):
        assert f'href="{reverse(link)}"' in page
    assert f'href="{reverse("reports:index")}"' in page
    # Settings (Django admin) are for administrators only.
    assert f'href="{reverse("admin:index")}"' not in page


def test_wrong_password_is_refused_with_a_message(client, advisor):
    response = client.post(reverse("login"), {"username": "doradca", "password": "zle"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in response.text


def test_administrator_sees_the_settings_link(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("home"))
    assert f'href="{reverse("admin:index")}"' in response.text


def test_logout_needs_post_and_ends_the_session(client, advisor):
    client.force_login(advisor)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_home_counts_only_the_advisors_own_open_leads(client, advisor, teammate):
    LeadFactory(name="Moja sprawa", branch=advisor.branch, employees=[advisor])
    LeadFactory(
        name="Oferta dla mnie", branch=advisor.branch, status=status("oferta"), employees=[advisor]
    )
    LeadFactory(name="Sprawa kolegi", branch=advisor.branch, employees=[teammate])
    client.force_login(advisor)
    response = client.get(reverse("home"))
    counts = {s.slug: s.lead_count for s in response.context["statuses"]}
    assert counts["nowy"] == 1 and counts["oferta"] == 1
    assert response.context["open_total"] == 2
    assert "Moja sprawa" in response.text
    assert "Sprawa kolegi" not in response.text


def test_english_is_the_second_language(client, advisor):
    client.force_login(advisor)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True
    )
    assert 'lang="en"' in response.text
    assert "Log out" in response.text


def test_home_query_count_does_not_grow_with_leads(client, advisor, django_assert_max_num_queries):
    for n in range(15):
        LeadFactory(name=f"Sprawa {n}", branch=advisor.branch, employees=[advisor])
    client.force_login(advisor)
    with django_assert_max_num_queries(12):
        client.get(reverse("home"))
