"""A visitor of the developer's website asks about an apartment through the inquiry form
embedded there: what they see, what is stored, and what keeps bots, floods and other
people's sites out."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import LeadSource
from intake.views import FORM_LIMIT_PER_IP
from leads.models import AssignmentRule, IntakeOutcome, Lead
from tests.factories import InvestmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english", "empty_rate_limits")]

ORIGINS = "https://www.example.pl\nhttps://oferty.example.pl"


def csp_directive(response, name: str) -> str:
    """One directive of the response's Content Security Policy, as the browser reads it."""
    directives = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    return next((part for part in directives if part.split()[0] == name), "")


@pytest.fixture
def website(advisor) -> LeadSource:
    """The "www" source with its form turned on, embeddable on two of the developer's sites;
    its inquiries go to the advisor."""
    source = LeadSource.objects.get(slug="www")
    source.intake_form_enabled = True
    source.intake_form_frame_origins = ORIGINS
    source.save()
    AssignmentRule.objects.create(name="Strona").pool.add(advisor)
    return source


@pytest.fixture
def akacjowa():
    return InvestmentFactory(name="Osiedle Akacjowa", code="akacjowa")


@pytest.fixture
def visitor(browser_of) -> HttpClient:
    return browser_of(None)


def form_url(source: LeadSource, query: str = "") -> str:
    return reverse("intake_form", args=[source.slug]) + query


def filled(**changes) -> dict:
    answers = {
        "first_name": "Ewa",
        "last_name": "Malinowska",
        "email": "ewa.malinowska@example.pl",
        "phone": "600 100 200",
        "investment": "",
        "message": "Szukam trzech pokoi z balkonem.",
        "consent_marketing_email": "on",
        "website": "",
    }
    answers.update(changes)
    return {name: value for name, value in answers.items() if value is not None}


def field_block(html: str, name: str) -> str:
    """The form field's block (label, input, errors) of `includes/field.html` or
    `intake/consent.html`."""
    match = re.search(
        rf'<div class="field[^"]*">(?:(?!<div class="field).)*?name="{name}".*?</div>',
        html,
        re.DOTALL,
    )
    assert match, f"no field {name} on the page"
    return match.group(0)


def test_visitor_sees_the_form_with_its_fields_and_the_active_investments(
    visitor, website, akacjowa
):
    InvestmentFactory(name="Osiedle Zamknięte", code="zamkniete", active=False)

    response = visitor.get(form_url(website))

    assert response.status_code == 200
    for name in ("first_name", "last_name", "email", "phone", "message", "consent_marketing_email"):
        assert f'name="{name}"' in response.text
    assert '<option value="akacjowa">Osiedle Akacjowa</option>' in response.text
    assert "Osiedle Zamknięte" not in response.text


def test_form_may_be_framed_only_by_the_sources_own_sites(visitor, website):
    response = visitor.get(form_url(website))

    assert csp_directive(response, "frame-ancestors") == (
        "frame-ancestors https://www.example.pl https://oferty.example.pl"
    )
    # The rest of the policy holds in the frame too: no script but ours.
    assert csp_directive(response, "script-src") == "script-src 'self'"
    assert "X-Frame-Options" not in response


def test_form_of_a_source_without_sites_may_not_be_framed_at_all(visitor, website):
    website.intake_form_frame_origins = ""
    website.save()

    response = visitor.get(form_url(website))

    assert csp_directive(response, "frame-ancestors") == "frame-ancestors 'none'"


def test_every_other_page_still_refuses_to_be_framed(visitor, website):
    response = visitor.get(reverse("login"))

    assert response["X-Frame-Options"] == "DENY"
    assert csp_directive(response, "frame-ancestors") == "frame-ancestors 'none'"


def test_visitor_sends_the_form_and_the_inquiry_becomes_a_lead_for_the_advisor(
    visitor, website, akacjowa, advisor
):
    response = visitor.post(form_url(website), filled(investment="akacjowa"))

    thanks_url = reverse("intake_form_thanks", args=[website.slug])
    assert response.status_code == 302
    assert response["Location"] == thanks_url
    lead = Lead.objects.get()
    assert lead.source == website
    assert (lead.contact_first_name, lead.contact_last_name) == ("Ewa", "Malinowska")
    assert lead.contact_email == "ewa.malinowska@example.pl"
    assert lead.contact_phone == "+48600100200"
    assert lead.message == "Szukam trzech pokoi z balkonem."
    assert list(lead.investments.all()) == [akacjowa]
    assert set(lead.consent_states.filter(granted=True).values_list("kind", flat=True)) == {
        "inquiry:any",
        "marketing:email",
    }
    assert lead.intake_outcome == IntakeOutcome.NEW
    assert list(lead.employees.all()) == [advisor]
    assert "website" not in lead.raw_payload["form"]

    thanks = visitor.get(thanks_url)
    assert thanks.status_code == 200
    assert "Thank you for your inquiry" in thanks.text
    assert csp_directive(thanks, "frame-ancestors") == (
        "frame-ancestors https://www.example.pl https://oferty.example.pl"
    )
    assert "X-Frame-Options" not in thanks


def test_visitor_can_send_the_form_while_it_is_embedded_on_the_developers_site(website):
    # In a frame on another site the browser sends none of Lejek's SameSite=Lax cookies
    # with the form: only a cookie marked SameSite=None travels into a third-party frame.
    framed = HttpClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    framed.get(form_url(website))
    for name, cookie in list(framed.cookies.items()):
        if str(cookie["samesite"]).lower() != "none":
            del framed.cookies[name]

    response = framed.post(form_url(website), filled())

    assert response.status_code == 302
    assert Lead.objects.count() == 1


def test_the_form_asks_for_no_consent_to_answer_the_inquiry(visitor, website):
    # Handling the inquiry needs no consent (GDPR art. 6(1)(b)): nothing to tick for it,
    # and an inquiry without any tick is received.
    page = visitor.get(form_url(website)).text
    assert "consents_processing" not in page
    assert "I agree to the processing of my personal data" not in page

    response = visitor.post(form_url(website), filled(consent_marketing_email=None))

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert list(lead.consent_events.values_list("kind", flat=True)) == ["inquiry:any"]


def test_without_email_and_phone_the_form_asks_for_one_of_them(visitor, website):
    response = visitor.post(form_url(website), filled(email="", phone=""))

    assert response.status_code == 400
    assert "Give an email address or a phone number." in response.text
    assert not Lead.objects.exists()


def test_a_10_000_character_name_is_refused_next_to_the_field(visitor, website):
    response = visitor.post(form_url(website), filled(first_name="x" * 10_000))

    assert response.status_code == 400
    assert "at most 100 characters" in field_block(response.text, "first_name")
    assert not Lead.objects.exists()


def test_a_bot_filling_the_hidden_field_gets_thanked_and_nothing_is_stored(visitor, website):
    response = visitor.post(form_url(website), filled(website="https://spam.example.com"))

    assert response.status_code == 302
    assert response["Location"] == reverse("intake_form_thanks", args=[website.slug])
    assert not Lead.objects.exists()


def test_too_many_inquiries_from_one_address_are_refused_with_a_message(visitor, website):
    for n in range(FORM_LIMIT_PER_IP):
        response = visitor.post(form_url(website), filled(email=f"ewa{n}@example.pl"))
        assert response.status_code == 302

    response = visitor.post(form_url(website), filled(email="jeszcze@example.pl"))

    assert response.status_code == 429
    assert "Too many inquiries from your address" in response.text
    assert Lead.objects.count() == FORM_LIMIT_PER_IP
    assert not Lead.objects.filter(contact_email="jeszcze@example.pl").exists()
    # A visitor at another address is not held back by this one.
    other = visitor.post(form_url(website), filled(), REMOTE_ADDR="203.0.113.7")
    assert other.status_code == 302
    assert Lead.objects.count() == FORM_LIMIT_PER_IP + 1


def test_behind_the_proxy_each_visitor_is_limited_by_their_own_address(visitor, website, settings):
    settings.LEJEK_TRUSTED_PROXIES = 1  # the TLS proxy in front of Lejek, as in production
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(FORM_LIMIT_PER_IP):
        sent = visitor.post(
            form_url(website),
            filled(email=f"ewa{n}@example.pl"),
            HTTP_X_FORWARDED_FOR="198.51.100.1",
            **proxy,
        )
        assert sent.status_code == 302

    # The same visitor, pretending to be someone else on the left of the header, is still
    # counted by the address the proxy saw...
    spoofed = visitor.post(
        form_url(website),
        filled(email="podszyty@example.pl"),
        HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.1",
        **proxy,
    )
    # ...while another visitor through the same proxy is not held back.
    other = visitor.post(
        form_url(website),
        filled(email="inny@example.pl"),
        HTTP_X_FORWARDED_FOR="198.51.100.2",
        **proxy,
    )

    assert (spoofed.status_code, other.status_code) == (429, 302)
    assert Lead.objects.count() == FORM_LIMIT_PER_IP + 1


def test_when_nobody_can_take_inquiries_the_visitor_is_asked_to_come_back(
    visitor, website, advisor
):
    advisor.is_active = False  # the only advisor of the rule, and no manager
    advisor.save()

    response = visitor.post(form_url(website), filled())

    assert response.status_code == 503
    assert "We cannot take your inquiry at the moment" in response.text
    assert "Ewa" in response.text  # what the visitor typed is still in the form
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    "switched_off", [{"intake_form_enabled": False}, {"active": False}], ids=["form", "source"]
)
def test_form_of_a_source_switched_off_does_not_exist(visitor, website, switched_off):
    LeadSource.objects.filter(pk=website.pk).update(**switched_off)

    assert visitor.get(form_url(website)).status_code == 404
    assert visitor.post(form_url(website), filled()).status_code == 404
    thanks_url = reverse("intake_form_thanks", args=[website.slug])
    assert visitor.get(thanks_url).status_code == 404
    assert not Lead.objects.exists()


def test_html_in_the_message_is_kept_as_text_and_shown_escaped(
    visitor, website, advisor, browser_of
):
    message = '<script>alert("x")</script><b>Dzień dobry</b>'

    visitor.post(form_url(website), filled(message=message))

    lead = Lead.objects.get()
    assert lead.message == message
    page = browser_of(advisor).get(lead.get_absolute_url())
    assert page.status_code == 200
    assert '<script>alert("x")</script>' not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Dzień dobry" in page.text


def test_utm_parameters_of_the_forms_address_are_stored_on_the_lead(visitor, website):
    query = "?utm_source=google&utm_medium=cpc&utm_campaign=wiosna&utm_term=m3+poznan"

    visitor.post(form_url(website, query), filled())

    lead = Lead.objects.get()
    assert lead.utm_source == "google"
    assert lead.utm_medium == "cpc"
    assert lead.utm_campaign == "wiosna"
    assert lead.utm_term == "m3 poznan"
    assert lead.utm_content == ""
