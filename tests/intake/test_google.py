"""Google Ads lead forms: Google posts the whole lead with the form's key; the right key
makes a lead with its campaign, ad group, creative and click id and the form's
investment, a wrong one is refused, a test lead is logged and kept out of the leads, and
a delivery Google repeats makes no second lead."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient

from clients.models import LeadSource
from consents.models import Action, Kind
from intake.models import ChannelAccount, ChannelKind, Listing, Outcome, RawMessage
from intake.secrets import secret_encrypt
from leads.models import AssignmentRule, Lead
from tests.factories import InvestmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inquiries_go_to_the_advisor")]

FORM_ID = 50110912
FORM_KEY = "klucz-formularza-g7"


@pytest.fixture
def inquiries_go_to_the_advisor(advisor):
    AssignmentRule.objects.create(name="Wszystkie").pool.add(advisor)


@pytest.fixture
def google_ads(db):
    return ChannelAccount.objects.create(
        name="Google Ads",
        kind=ChannelKind.GOOGLE,
        source=LeadSource.objects.create(name="Google Ads", slug="google-ads"),
    )


@pytest.fixture
def form(google_ads):
    """The search campaign's lead form, mapped to Osiedle Zielone, with its key and a
    custom question asking for email marketing consent."""
    return Listing.objects.create(
        account=google_ads,
        key=str(FORM_ID),
        name="Zielone — formularz w wyszukiwarce",
        investment=InvestmentFactory(name="Osiedle Zielone"),
        field_map={"ZGODA_EMAIL": "marketing:email"},
        form_key_encrypted=secret_encrypt(FORM_KEY),
    )


def google_lead(lead_id: str = "TeSter-8f3a", **extra) -> dict:
    """A lead as Google's webhook posts it."""
    return {
        "lead_id": lead_id,
        "api_version": "1.0",
        "form_id": FORM_ID,
        "campaign_id": 21877401,
        "adgroup_id": 161877402,
        "creative_id": 701877403,
        "gcl_id": "Cj0KCQjw-gclid",
        "google_key": FORM_KEY,
        "is_test": False,
        "user_column_data": [
            {"column_id": "FULL_NAME", "column_name": "Full Name", "string_value": "Jan Nowak"},
            {"column_id": "EMAIL", "column_name": "User Email", "string_value": "jan@example.pl"},
            {"column_id": "PHONE_NUMBER", "column_name": "User Phone", "string_value": "601200300"},
            {"column_id": "CITY", "column_name": "City", "string_value": "Poznań"},
            {"column_id": "METRAZ", "column_name": "Jaki metraż?", "string_value": "60-70 m²"},
        ],
        **extra,
    }


@pytest.fixture
def google(django_capture_on_commit_callbacks):
    """Google's server posting to an account's webhook; the worker (eager here) processes
    what was stored once committed. A server error reaches it as 500."""
    http = HttpClient(raise_request_exception=False)

    def post(account, body):
        body = body if isinstance(body, bytes) else json.dumps(body).encode()
        with django_capture_on_commit_callbacks(execute=True):
            return http.post(f"/hooks/google/{account.pk}/", body, content_type="application/json")

    return post


def test_a_lead_with_the_forms_key_arrives_with_its_campaign_click_and_investment(
    google, google_ads, form
):
    answer = google(google_ads, google_lead())

    assert answer.status_code == 200
    raw = RawMessage.objects.get()
    assert (raw.external_id, raw.outcome, raw.sender) == (
        "TeSter-8f3a",
        Outcome.CREATED,
        "jan@example.pl",
    )
    lead = raw.lead
    assert (lead.contact_first_name, lead.contact_last_name) == ("Jan", "Nowak")
    assert (lead.contact_email, lead.contact_phone) == ("jan@example.pl", "+48601200300")
    assert lead.source == google_ads.source
    assert list(lead.investments.values_list("name", flat=True)) == ["Osiedle Zielone"]
    assert "Jaki metraż?: 60-70 m²" in lead.message
    assert "Poznań" in lead.message
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == (
        "google",
        "lead_form",
        "21877401",
    )
    attribution = lead.raw_payload["attribution"]
    assert attribution["gcl_id"] == "Cj0KCQjw-gclid"
    assert (attribution["campaign_id"], attribution["adgroup_id"]) == ("21877401", "161877402")
    assert (attribution["creative_id"], attribution["form_id"]) == ("701877403", str(FORM_ID))
    assert "google_key" not in json.dumps(lead.raw_payload)


@pytest.mark.parametrize(
    "lead",
    [
        google_lead(google_key="zgadniety-klucz"),
        google_lead(google_key="\ud800"),
        google_lead(form_id=99999),  # a form nobody added
    ],
    ids=["wrong key", "unpaired surrogate", "unknown form"],
)
def test_a_wrong_key_or_an_unknown_form_is_refused_and_nothing_stored(
    google, google_ads, form, lead
):
    answer = google(google_ads, lead)

    assert answer.status_code == 403
    assert not RawMessage.objects.exists()
    assert not Lead.objects.exists()


def test_a_form_without_a_key_takes_no_lead(google, google_ads, form):
    form.form_key_encrypted = ""
    form.save()

    assert google(google_ads, google_lead(google_key="")).status_code == 400
    assert google(google_ads, google_lead(google_key="cokolwiek")).status_code == 403


def test_a_test_lead_is_logged_and_kept_out_of_the_leads(google, google_ads, form):
    answer = google(google_ads, google_lead("TeSter-test-1", is_test=True))

    assert answer.status_code == 200
    raw = RawMessage.objects.get()
    assert raw.outcome == Outcome.TEST
    assert raw.lead is None
    assert not Lead.objects.exists()


def test_a_lead_google_sends_again_makes_one_lead(google, google_ads, form):
    first = google(google_ads, google_lead("Lead-77"))
    again = google(google_ads, google_lead("Lead-77"))

    assert (first.status_code, again.status_code) == (200, 200)
    assert RawMessage.objects.count() == 1
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("answer", "given"),
    [("Tak", {Kind.INQUIRY, Kind.MARKETING_EMAIL}), ("Nie", {Kind.INQUIRY})],
)
def test_the_consent_question_gives_marketing_consent_only_when_answered_yes(
    google, google_ads, form, answer, given
):
    lead = google_lead()
    lead["user_column_data"].append(
        {
            "column_id": "ZGODA_EMAIL",
            "column_name": "Zgoda na oferty e-mail",
            "string_value": answer,
        }
    )

    google(google_ads, lead)

    lead = Lead.objects.get()
    kinds = set(lead.consent_events.filter(action=Action.GIVEN).values_list("kind", flat=True))
    assert kinds == given
    assert "Zgoda" not in lead.message


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"lead_id=1&form_id=2", "body"),
        (b"[1, 2]", "body"),
        (b'"lead"', "body"),
        (b"{" * 50_000 + b"}" * 50_000, "body"),
        (json.dumps(google_lead(lead_id=None)).encode(), "lead_id"),
        (json.dumps(google_lead(lead_id="x" * 300)).encode(), "lead_id"),
        (json.dumps(google_lead(lead_id="a\u0000b")).encode(), "lead_id"),
        (json.dumps(google_lead(form_id=1.5)).encode(), "form_id"),
        (b'{"lead_id": "1", "form_id": ' + b"9" * 5000 + b"}", "body"),
        (json.dumps(google_lead(google_key=["x"])).encode(), "google_key"),
        (json.dumps(google_lead(campaign_id={"id": 1})).encode(), "campaign_id"),
        (json.dumps(google_lead(gcl_id=5)).encode(), "gcl_id"),
        (json.dumps(google_lead(is_test="yes")).encode(), "is_test"),
        (json.dumps(google_lead(user_column_data={"EMAIL": "x"})).encode(), "user_column_data"),
        (
            json.dumps(google_lead(user_column_data=[{"column_id": 7}])).encode(),
            "user_column_data[0]",
        ),
        (
            json.dumps(
                google_lead(user_column_data=[{"column_id": "EMAIL", "string_value": 1}])
            ).encode(),
            "user_column_data[0]",
        ),
    ],
    ids=lambda value: value[:30] if isinstance(value, bytes) else value,
)
def test_a_malformed_body_is_refused_naming_the_field(
    google, google_ads, form, body, field, settings
):
    settings.LEJEK_INTAKE_MAX_WEBHOOK_BYTES = 512 * 1024

    answer = google(google_ads, body)

    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == [field]
    assert not RawMessage.objects.exists()


def test_null_character_and_odd_answers_make_a_lead_not_an_error(google, google_ads, form):
    lead = google_lead(gcl_id="gcl\u0000id")
    lead["user_column_data"] = [
        {"column_id": "FULL_NAME", "string_value": "Ja\u0000n\u202e Nowak"},
        {"column_id": "EMAIL", "string_value": "nie-email"},
        {"column_id": "PHONE_NUMBER"},
        {"column_id": "PYTANIE", "column_name": None, "string_value": "x" * 10_000},
    ]

    google(google_ads, lead)

    raw = RawMessage.objects.get()
    assert raw.outcome == Outcome.CREATED
    assert raw.lead.contact_first_name == "Jan"
    assert "nie-email" in raw.lead.message
    assert len(raw.lead.message) == 5000


def test_only_posts_to_an_active_google_account_are_taken(client, google_ads, form):
    google_ads.active = False
    google_ads.save()
    meta = ChannelAccount.objects.create(
        name="Meta", kind=ChannelKind.META, source=google_ads.source
    )
    body = json.dumps(google_lead())

    assert (
        client.post(
            f"/hooks/google/{google_ads.pk}/", body, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client.post(f"/hooks/google/{meta.pk}/", body, content_type="application/json").status_code
        == 404
    )
    assert client.get(f"/hooks/google/{google_ads.pk}/").status_code == 405
