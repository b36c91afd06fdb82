"""Facebook and Instagram lead ads: Meta verifies the webhook, posts signed `leadgen`
changes that carry only ids, and the worker fetches each lead from the Graph API (played
here by a real local HTTP server) and makes it a lead with its campaign, form and the
form's investment. A missed webhook is caught by the forms' backfill; nothing doubles."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from consents.models import Action, Kind
from intake.channels.meta import forms_backfill
from intake.models import ChannelAccount, ChannelKind, Listing, Outcome, RawMessage
from intake.secrets import secret_encrypt
from intake.services.raw import raw_process, raw_replay
from leads.models import AssignmentRule, Lead
from tests.factories import InvestmentFactory, source
from tests.intake.graph_api import (
    APP_SECRET,
    FORM_ID,
    PAGE_ID,
    PAGE_TOKEN,
    VERIFY_TOKEN,
    VERSION,
    GraphAPI,
    leadgen,
    meta_lead,
    sign,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inquiries_go_to_the_advisor")]


@pytest.fixture
def graph(settings):
    with GraphAPI() as api:
        settings.LEJEK_GRAPH_API_URL = api.url
        settings.LEJEK_GRAPH_API_VERSION = VERSION
        yield api


@pytest.fixture
def inquiries_go_to_the_advisor(advisor):
    AssignmentRule.objects.create(name="Wszystkie").pool.add(advisor)


@pytest.fixture
def fb_page(db):
    """The developer's Facebook page, connected with its app secret and page token."""
    return ChannelAccount.objects.create(
        name="Facebook — Deweloper Zielone",
        kind=ChannelKind.META,
        source=source("facebook"),
        external_id=PAGE_ID,
        verify_token=VERIFY_TOKEN,
        secret_encrypted=secret_encrypt(APP_SECRET),
        token_encrypted=secret_encrypt(PAGE_TOKEN),
        created_at=timezone.now() - timedelta(days=30),
    )


@pytest.fixture
def spring_form(fb_page):
    """The spring campaign's form, mapped to Osiedle Zielone; its custom question and its
    disclaimer's checkboxes ask for marketing consents."""
    return Listing.objects.create(
        account=fb_page,
        key=FORM_ID,
        name="Wiosna 2026 — Osiedle Zielone",
        investment=InvestmentFactory(name="Osiedle Zielone"),
        field_map={
            "zgoda_na_sms": "marketing:sms",
            "oferty_email": "marketing:email",
            "oferty_telefon": "marketing:phone",
        },
    )


def meta_posts(account, body: bytes, signature: str | None = None):
    """Meta's server posting to the account's webhook (a server error reaches it as 500)."""
    headers = {} if signature == "" else {"HTTP_X_HUB_SIGNATURE_256": signature or sign(body)}
    meta = HttpClient(raise_request_exception=False)
    return meta.post(f"/hooks/meta/{account.pk}/", body, content_type="application/json", **headers)


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Meta posts, and the worker (eager here) processes what was stored once committed."""

    def post(account, body: bytes, signature: str | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return meta_posts(account, body, signature)

    return post


# -- Verification ------------------------------------------------------------------------------


def test_meta_verifies_the_subscription_with_the_accounts_verify_token(client, fb_page):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }

    answer = client.get(f"/hooks/meta/{fb_page.pk}/", query)

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    assert answer.content == b"1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "zgadywany", "hub.challenge": "1158201444"},
        {
            "hub.mode": "unsubscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
        {"hub.challenge": "1158201444"},
    ],
)
def test_verification_without_the_right_token_and_mode_is_refused(client, fb_page, query):
    answer = client.get(f"/hooks/meta/{fb_page.pk}/", query)

    assert answer.status_code == 403
    assert b"1158201444" not in answer.content


def test_an_account_without_a_verify_token_verifies_nobody(client, fb_page):
    fb_page.verify_token = ""
    fb_page.save()

    answer = client.get(
        f"/hooks/meta/{fb_page.pk}/", {"hub.mode": "subscribe", "hub.challenge": "1"}
    )

    assert answer.status_code == 403


def test_an_unknown_inactive_or_other_channels_account_is_not_found(client, fb_page):
    google = ChannelAccount.objects.create(
        name="Google", kind=ChannelKind.GOOGLE, source=fb_page.source
    )
    retired = ChannelAccount.objects.create(
        name="Stara strona", kind=ChannelKind.META, source=fb_page.source, active=False
    )
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}

    for account_id in (google.pk, retired.pk, 999999):
        assert client.get(f"/hooks/meta/{account_id}/", query).status_code == 404


# -- Leads -----------------------------------------------------------------------------------------


def test_a_signed_lead_arrives_with_its_campaign_form_and_the_forms_investment(
    graph, fb_page, spring_form, deliver
):
    graph.leads["4402001"] = meta_lead("4402001")

    answer = deliver(fb_page, leadgen("4402001"))

    assert answer.status_code == 200
    raw = RawMessage.objects.get(account=fb_page)
    assert (raw.external_id, raw.outcome) == ("4402001", Outcome.CREATED)
    assert json.loads(bytes(raw.body))["form_id"] == FORM_ID
    lead = raw.lead
    assert (lead.contact_first_name, lead.contact_last_name) == ("Ewa", "Maria Kowalczyk")
    assert (lead.contact_email, lead.contact_phone) == ("ewa.kowalczyk@example.pl", "+48601200300")
    assert lead.source == fb_page.source
    assert list(lead.investments.values_list("name", flat=True)) == ["Osiedle Zielone"]
    assert "ile_pokoi_szukasz?: 3" in lead.message
    assert "Poznań" in lead.message
    assert (lead.utm_source, lead.utm_medium) == ("instagram", "lead_ad")
    assert (lead.utm_campaign, lead.utm_content) == ("Zielone — wiosna", "Karuzela M3")
    assert lead.utm_term == "Wiosna 2026 — Osiedle Zielone"
    assert lead.submitted_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    attribution = lead.raw_payload["attribution"]
    assert attribution["campaign_id"] == "23850001"
    assert attribution["adset_name"] == "Poznań 25–45"
    assert (attribution["form_id"], attribution["leadgen_id"]) == (FORM_ID, "4402001")
    assert (attribution["platform"], attribution["is_organic"]) == ("ig", False)
    assert graph.requests[0][0] == f"/{VERSION}/4402001"
    assert graph.requests[0][1]["access_token"] == PAGE_TOKEN
    assert "field_data" in graph.requests[0][1]["fields"]


def test_only_the_consents_the_form_asked_for_and_the_person_ticked_are_recorded(
    graph, fb_page, spring_form, deliver
):
    graph.leads["4402002"] = meta_lead("4402002")

    deliver(fb_page, leadgen("4402002"))

    lead = Lead.objects.get()
    given = set(lead.consent_events.filter(action=Action.GIVEN).values_list("kind", flat=True))
    # The email checkbox ticked; the phone checkbox not; the SMS question answered "Nie".
    assert given == {Kind.INQUIRY, Kind.MARKETING_EMAIL}
    assert lead.consent_events.get(kind=Kind.MARKETING_EMAIL).evidence["channel"] == "meta"


def test_a_post_without_a_valid_signature_is_refused_and_nothing_is_stored(
    graph, fb_page, spring_form, deliver
):
    body = leadgen("4402003")
    graph.leads["4402003"] = meta_lead("4402003")

    assert deliver(fb_page, body, signature="").status_code == 403
    assert deliver(fb_page, body, signature=sign(body, "cudzy-sekret")).status_code == 403
    assert deliver(fb_page, body + b" ", signature=sign(body)).status_code == 403

    assert not RawMessage.objects.exists()
    assert not Lead.objects.exists()
    assert graph.requests == []


def test_the_same_lead_delivered_twice_makes_one_lead(graph, fb_page, spring_form, deliver):
    graph.leads["4402004"] = meta_lead("4402004")

    first = deliver(fb_page, leadgen("4402004"))
    again = deliver(fb_page, leadgen("4402004"))

    assert (first.status_code, again.status_code) == (200, 200)
    assert RawMessage.objects.count() == 1
    assert Lead.objects.count() == 1
    assert graph.paths() == [f"/{VERSION}/4402004"]


def test_one_delivery_may_carry_several_leads_each_its_own_entry(
    graph, fb_page, spring_form, deliver
):
    graph.leads["4402005"] = meta_lead("4402005")
    graph.leads["4402006"] = meta_lead(
        "4402006", field_data=[{"name": "email", "values": ["jan@example.pl"]}]
    )

    deliver(fb_page, leadgen("4402005", "4402006"))

    assert set(RawMessage.objects.values_list("external_id", "outcome")) == {
        ("4402005", Outcome.CREATED),
        ("4402006", Outcome.CREATED),
    }
    assert set(Lead.objects.values_list("contact_email", flat=True)) == {
        "ewa.kowalczyk@example.pl",
        "jan@example.pl",
    }


def test_graph_api_failing_is_a_retryable_error_and_a_replay_after_it_recovers_makes_the_lead(
    graph, fb_page, spring_form
):
    graph.leads["4402007"] = meta_lead("4402007")
    graph.failing = 500

    answer = meta_posts(fb_page, leadgen("4402007"))
    raw, retry = raw_process(RawMessage.objects.get().pk)

    assert answer.status_code == 200  # stored: Meta need not send it again
    assert retry is True
    assert raw.outcome == Outcome.ERROR
    assert "500" in raw.reason
    assert not Lead.objects.exists()

    graph.failing = None
    replayed = raw_replay(raw)

    assert replayed.outcome == Outcome.CREATED
    assert replayed.lead.contact_email == "ewa.kowalczyk@example.pl"


def test_a_token_meta_refuses_is_an_error_no_retry_can_fix(graph, fb_page, spring_form, deliver):
    graph.leads["4402008"] = meta_lead("4402008")
    fb_page.token_encrypted = secret_encrypt("wygasly-token")
    fb_page.save()

    deliver(fb_page, leadgen("4402008"))

    raw = RawMessage.objects.get()
    assert raw.outcome == Outcome.ERROR
    assert "Invalid OAuth access token" in raw.reason
    assert "wygasly-token" not in raw.reason
    assert raw_process(raw.pk)[1] is False


def test_a_lead_of_a_form_nobody_mapped_arrives_with_the_form_id_and_the_default_investment(
    graph, fb_page, deliver
):
    fb_page.default_investment = InvestmentFactory(name="Osiedle Domyślne")
    fb_page.save()
    graph.leads["4402009"] = meta_lead("4402009", form_id="777000111", platform="fb")

    deliver(fb_page, leadgen("4402009", form_id="777000111"))

    lead = Lead.objects.get()
    assert lead.contact_email == "ewa.kowalczyk@example.pl"
    assert list(lead.investments.values_list("name", flat=True)) == ["Osiedle Domyślne"]
    assert lead.raw_payload["attribution"]["form_id"] == "777000111"
    assert (lead.utm_source, lead.utm_term) == ("facebook", "777000111")
    # Nothing asked for a marketing consent: only the basis of the inquiry.
    given = set(lead.consent_events.filter(action=Action.GIVEN).values_list("kind", flat=True))
    assert given == {Kind.INQUIRY}


def test_an_invalid_phone_and_email_stay_in_the_message(graph, fb_page, spring_form, deliver):
    graph.leads["4402010"] = meta_lead(
        "4402010",
        field_data=[
            {"name": "full_name", "values": ["Jan"]},
            {"name": "email", "values": ["jan(at)example"]},
            {"name": "phone_number", "values": ["123"]},
        ],
    )

    deliver(fb_page, leadgen("4402010"))

    lead = Lead.objects.get()
    assert (lead.contact_first_name, lead.contact_email, lead.contact_phone) == ("Jan", "", "")
    assert "jan(at)example" in lead.message
    assert "123" in lead.message


NESTED = b'{"object": "page", "entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"<xml>lead</xml>", "body"),
        (b"\xff\xfe not utf-8", "body"),
        (b"[]", "body"),
        (b'{"object": "user", "entry": []}', "object"),
        (b'{"object": "page", "entry": {"id": 1}}', "entry"),
        (b'{"object": "page", "entry": ["x"]}', "entry[0]"),
        (b'{"object": "page", "entry": [{"id": 1}]}', "entry[0].changes"),
        (b'{"object": "page", "entry": [{"changes": [{"value": {}}]}]}', "entry[0].changes[0]"),
        (
            b'{"object": "page", "entry": [{"changes": [{"field": "leadgen", "value": [1]}]}]}',
            "entry[0].changes[0].value",
        ),
        (
            b'{"object": "page", "entry": [{"changes": [{"field": "leadgen", "value": '
            b'{"leadgen_id": 1.5, "form_id": "1"}}]}]}',
            "entry[0].changes[0].value.leadgen_id",
        ),
        (
            b'{"object": "page", "entry": [{"changes": [{"field": "leadgen", "value": '
            b'{"leadgen_id": "../me", "form_id": "1"}}]}]}',
            "entry[0].changes[0].value.leadgen_id",
        ),
        (
            b'{"object": "page", "entry": [{"changes": [{"field": "leadgen", "value": '
            b'{"leadgen_id": ' + b"9" * 4000 + b', "form_id": "1"}}]}]}',
            "entry[0].changes[0].value.leadgen_id",
        ),
        (
            b'{"object": "page", "entry": [{"changes": [{"field": "leadgen", "value": '
            b'{"leadgen_id": "1"}}]}]}',
            "entry[0].changes[0].value.form_id",
        ),
        (
            b'{"object": "page", "entry": [{"changes": [{"field": "leadgen"}]}], "x": 1e999}',
            "entry[0].changes[0].value",
        ),
        (NESTED, "body"),
    ],
    ids=lambda value: value[:30] if isinstance(value, bytes) else value,
)
def test_a_malformed_signed_body_is_refused_naming_the_field(fb_page, body, field, settings):
    settings.LEJEK_INTAKE_MAX_WEBHOOK_BYTES = 512 * 1024

    answer = meta_posts(fb_page, body)

    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == [field]
    assert not RawMessage.objects.exists()


def test_changes_of_other_fields_are_answered_and_skipped(fb_page):
    body = json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "changes": [{"field": "feed", "value": {}}]}]}
    ).encode()

    answer = meta_posts(fb_page, body)

    assert answer.status_code == 200
    assert not RawMessage.objects.exists()


def test_a_body_over_the_limit_is_refused(fb_page, settings):
    settings.LEJEK_INTAKE_MAX_WEBHOOK_BYTES = 1000
    body = leadgen(*[str(4402100 + number) for number in range(50)])

    assert meta_posts(fb_page, body).status_code == 413
    assert not RawMessage.objects.exists()


# -- Backfill ------------------------------------------------------------------------------------


def test_backfill_picks_up_the_leads_whose_webhook_never_came_once(
    graph, fb_page, spring_form, deliver
):
    spring_form.synced_at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    spring_form.save()
    graph.leads["4403000"] = meta_lead("4403000", created="2026-02-20T08:00:00+0000")
    for number in range(1, 4):
        graph.leads[f"440300{number}"] = meta_lead(
            f"440300{number}",
            created=f"2026-03-0{number + 1}T08:00:00+0000",
            field_data=[{"name": "email", "values": [f"klient{number}@example.pl"]}],
        )
    deliver(fb_page, leadgen("4403001"))  # this one's webhook did come
    graph.requests.clear()

    assert forms_backfill() == 2

    assert set(Lead.objects.values_list("contact_email", flat=True)) == {
        "klient1@example.pl",
        "klient2@example.pl",
        "klient3@example.pl",
    }
    assert set(RawMessage.objects.values_list("outcome", flat=True)) == {Outcome.CREATED}
    # Two pages of the form's leads, and no lead fetched again one by one.
    assert graph.paths() == [f"/{VERSION}/{FORM_ID}/leads"] * 2
    first_page = graph.requests[0][1]
    assert first_page["access_token"] == PAGE_TOKEN
    since = json.loads(first_page["filtering"])[0]["value"]
    assert since == int((spring_form.synced_at - timedelta(minutes=15)).timestamp())
    spring_form.refresh_from_db()
    assert spring_form.synced_at > timezone.now() - timedelta(minutes=1)

    assert forms_backfill() == 0
    assert Lead.objects.count() == 3


def test_backfill_of_a_form_never_synced_starts_when_the_account_was_added(
    graph, fb_page, spring_form
):
    forms_backfill()

    since = json.loads(graph.requests[0][1]["filtering"])[0]["value"]
    assert since == int((fb_page.created_at - timedelta(minutes=15)).timestamp())


def test_backfill_keeps_the_sync_time_when_meta_fails(graph, fb_page, spring_form):
    graph.failing = 503

    assert forms_backfill() == 0

    spring_form.refresh_from_db()
    fb_page.refresh_from_db()
    assert spring_form.synced_at is None
    assert "503" in fb_page.last_error


# -- The real worker -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_webhook_is_answered_at_once_and_the_worker_makes_the_lead(
    reference_data, celery_worker, graph, fb_page, spring_form
):
    graph.leads["4404001"] = meta_lead("4404001")

    answer = meta_posts(fb_page, leadgen("4404001"))

    assert answer.status_code == 200
    deadline = time.monotonic() + 20
    while not Lead.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    lead = Lead.objects.get()
    assert lead.contact_email == "ewa.kowalczyk@example.pl"
    assert lead.raw_payload["attribution"]["campaign_name"] == "Zielone — wiosna"
    assert list(lead.investments.values_list("name", flat=True)) == ["Osiedle Zielone"]
    assert RawMessage.objects.get().outcome == Outcome.CREATED
