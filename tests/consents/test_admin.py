"""An administrator changes a consent clause's text: a clause someone agreed to is never
edited, its text goes into a new version, offered from then on, the old one retired."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consents.models import Clause, Kind, Source
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import Given, clause_new_version, consents_record_given
from crm.core.models import User
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client):
    # The clauses are configuration: whoever may add them in the admin.
    user = User.objects.create_superuser("clauses", "clauses@example.pl", "x")
    client.force_login(user)
    return client


@pytest.fixture
def email_clause() -> Clause:
    return clauses_offered(controller_default())[Kind.MARKETING_EMAIL]


@pytest.fixture
def used_email_clause(email_clause) -> Clause:
    consents_record_given(
        person=Person(lead=LeadFactory(contact_email="ewa@example.pl")),
        given=[Given(Kind.MARKETING_EMAIL, email_clause)],
        source=Source.PUBLIC_FORM,
        explicit=True,
    )
    return email_clause


def test_a_used_clause_opens_read_only_with_a_new_version_button(admin_browser, used_email_clause):
    page = admin_browser.get(reverse("admin:consents_clause_change", args=[used_email_clause.pk]))

    assert page.status_code == 200
    assert 'name="text_pl"' not in page.text  # read-only
    assert used_email_clause.text_pl in page.text
    assert 'id="clause-new-version"' in page.text


def test_administrator_saves_a_new_version_which_is_offered_from_now_on(
    admin_browser, used_email_clause
):
    url = reverse("admin:consents_clause_new_version", args=[used_email_clause.pk])
    form = admin_browser.get(url)
    assert form.status_code == 200 and used_email_clause.text_pl in form.text

    response = admin_browser.post(
        url, {"text_pl": "Zgadzam się na oferty e-mailem (nowa treść).", "text_en": "New text."}
    )

    new = Clause.objects.get(
        controller=used_email_clause.controller, kind=Kind.MARKETING_EMAIL, active=True
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:consents_clause_change", args=[new.pk])
    assert new.version == used_email_clause.version + 1
    assert new.text_pl == "Zgadzam się na oferty e-mailem (nowa treść)."
    old = Clause.objects.get(pk=used_email_clause.pk)
    assert not old.active
    assert old.text_pl == used_email_clause.text_pl  # never edited
    assert old.events.count() == 1
    assert clauses_offered(controller_default())[Kind.MARKETING_EMAIL] == new


def test_each_new_version_counts_from_the_latest_one(email_clause):
    second = clause_new_version(clause=email_clause, text_pl="Druga")
    third = clause_new_version(clause=email_clause, text_pl="Trzecia")  # from an old one

    assert (second.version, third.version) == (2, 3)
    offered = Clause.objects.filter(controller=email_clause.controller, kind=Kind.MARKETING_EMAIL)
    assert list(offered.filter(active=True)) == [third]


def test_the_legacy_clause_gets_no_new_version():
    legacy = Clause.objects.filter(is_legacy=True).first()

    with pytest.raises(Exception, match="before the register|przed rejestrem"):
        clause_new_version(clause=legacy, text_pl="x")


def test_people_outside_the_admin_cannot_open_the_new_version_page(client, advisor, email_clause):
    client.force_login(advisor)

    response = client.get(reverse("admin:consents_clause_new_version", args=[email_clause.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
