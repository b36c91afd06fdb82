"""An administrator checks a portal parser before emails depend on it: on its admin page,
"Try on an email" shows what it reads from a pasted notification, field by field, or why it
does not claim the email, and stores nothing; a rule or pattern that cannot work is refused
when the parser is saved. Only administrators get there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from intake.models import PortalParser, RawMessage
from leads.models import Lead
from tests.intake.test_portal_emails import edited, eml

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def try_url(parser: PortalParser) -> str:
    return reverse("admin:intake_portalparser_try", args=[parser.pk])


@pytest.fixture
def admin_browser(browser_of, administrator):
    return browser_of(administrator)


def test_the_administrator_tries_a_parser_on_a_pasted_email_and_sees_each_field(
    admin_browser,
):
    otodom = PortalParser.objects.get(name="Otodom")
    change_page = admin_browser.get(reverse("admin:intake_portalparser_change", args=[otodom.pk]))
    assert try_url(otodom).encode() in change_page.content

    response = admin_browser.post(try_url(otodom), {"email": eml("otodom.eml").decode()})

    assert response.status_code == 200
    reading = response.context["trial"].reading
    assert (reading.first_name, reading.last_name) == ("Katarzyna", "Nowak")
    assert (reading.email, reading.phone, reading.listing) == (
        "katarzyna.nowak@gmail.com",
        "+48600123456",
        "4pQx1",
    )
    page = response.content.decode()
    for shown in ("Katarzyna", "Nowak", "+48600123456", "4pQx1", "najlepiej po 17:00."):
        assert shown in page
    assert not RawMessage.objects.exists()
    assert not Lead.objects.exists()


def test_the_try_page_says_why_a_parser_does_not_claim_an_email(admin_browser):
    otodom = PortalParser.objects.get(name="Otodom")
    response = admin_browser.post(try_url(otodom), {"email": eml("gratka.eml").decode("ascii")})
    assert response.context["trial"].reading is None
    assert (
        "The sender’s domain “gratka.pl” is not one of the parser’s (otodom.pl)."
        in response.content.decode()
    )


def test_the_try_page_warns_of_junk_and_of_what_it_could_not_take(admin_browser):
    obido = PortalParser.objects.get(name="Obido")
    pasted = edited("obido.eml", Auto_Submitted="auto-generated").decode()
    page = admin_browser.post(try_url(obido), {"email": pasted}).content.decode()
    assert "Automatic message (Auto-Submitted: auto-generated)." in page
    assert "Phone as given: 12345" in page


def test_an_advisor_cannot_open_the_try_page(browser_of, advisor):
    otodom = PortalParser.objects.get(name="Otodom")
    response = browser_of(advisor).post(try_url(otodom), {"email": "From: a@b.pl\n\nx"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_rule_with_an_unknown_field_or_a_broken_pattern_is_refused_when_saved(admin_browser):
    otodom = PortalParser.objects.get(name="Otodom")
    url = reverse("admin:intake_portalparser_change", args=[otodom.pk])
    form = {
        "name": otodom.name,
        "active": "on",
        "priority": "100",
        "sender_domains": "otodom.pl",
        "subject_pattern": "(zapytanie",
        "rules": "Imię i nazwisko: full_name\nTelefon: telefon",
        "prefer_reply_to": "on",
        "source": str(otodom.source_id),
        "listing_pattern": r"ID[0-9A-Za-z]+",
    }
    response = admin_browser.post(url, form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Line 2 (“Telefon: telefon”)" in errors["rules"][0]
    assert errors["subject_pattern"][0].startswith("Not a valid regular expression")
    assert errors["listing_pattern"] == ["Put the id in parentheses: the first group is taken."]
    otodom.refresh_from_db()
    assert otodom.rules.startswith("Imię i nazwisko: full_name\nImię i nazwisko klienta")
