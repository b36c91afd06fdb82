"""Otodom through OLX Group's Real Estate API: OLX posts an `incoming_message` notification,
signed with the app's notification secret, to the account's webhook; it is stored and
answered at once, a worker makes the lead of the listing's investment; a retried delivery
makes nothing more, a forged or malformed one is refused and stores nothing, and the next
message of the conversation is added to its lead."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid as uuids

import httpx
import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import LeadSource
from intake.models import ChannelAccount, ChannelKind, Listing, Outcome, RawMessage
from intake.secrets import secret_encrypt
from leads.models import (
    Activity,
    ActivityDirection,
    ActivityKind,
    AssignmentRule,
    FailureReason,
    Lead,
)
from leads.services.pipeline import lead_mark_failed
from tests.factories import InvestmentFactory

SECRET = "olx-notification-secret"
AD_ID = 9846457


def otodom_source() -> LeadSource:
    """Seeded with the portals' parsers; a transactional test's flush may have taken it."""
    return LeadSource.objects.get_or_create(slug="otodom", defaults={"name": "Otodom"})[0]


@pytest.fixture
def otodom(advisor) -> ChannelAccount:
    rule = AssignmentRule.objects.create(name="Portale")
    rule.pool.set([advisor])
    return ChannelAccount.objects.create(
        name="Otodom",
        kind=ChannelKind.OTODOM,
        source=otodom_source(),
        external_id="olx-account-1",
        secret_encrypted=secret_encrypt(SECRET),
    )


@pytest.fixture
def olx() -> HttpClient:
    """OLX's notification sender: a server error would reach it as a 500 answer."""
    return HttpClient(raise_request_exception=False)


def notification(
    *, uuid: str | None = None, conversation: str = "e6e81f5260fad0da63171a69ebb90aae",
    message: str = "Dzień dobry, czy mieszkanie jest dostępne?", flow: str = "incoming_message",
    **data,
) -> dict:  # fmt: skip
    """A notification as OLX's documentation shows it (ad_id and the phone as numbers)."""
    uuid = uuid or str(uuids.uuid4())
    return {
        "transaction_id": str(uuids.uuid4()),
        "object_id": uuid,
        "destination": "https://crm.example.pl/hooks/otodom/1/",
        "timestamp": 1524148443449,
        "event_timestamp": 1524148443549,
        "flow": flow,
        "event_type": f"{flow}_success",
        "data": {
            "ad_id": AD_ID,
            "conversation_id": conversation,
            "created_at": "2026-12-07T11:04:50.000+0100",
            "from": "otodom",
            "id": 208853314,
            "message": message,
            "sender_name": "Jan Kowalski",
            "sender_email": "Jan.Kowalski@example.pl",
            "sender_phone": 600100200,
            "uuid": uuid,
            **data,
        },
    }


def signature(body: dict, secret: str = SECRET) -> str:
    """OLX's X-Signature: HMAC-SHA1 of "<object_id>,<transaction_id>" with the secret."""
    signed = f"{body['object_id']},{body['transaction_id']}".encode()
    return hmac.new(secret.encode(), signed, hashlib.sha1).hexdigest()


def deliver(olx, account, body, *, signed_with: str | None = SECRET, raw: bytes | None = None):
    headers = {"HTTP_X_SIGNATURE": signature(body, signed_with)} if signed_with else {}
    return olx.post(
        reverse("intake:otodom_webhook", args=[account.pk]),
        raw if raw is not None else json.dumps(body),
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def delivered(olx, otodom, django_capture_on_commit_callbacks):
    """Deliver a notification and let the (eager) worker process it, as after the commit."""

    def send(body: dict, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return deliver(olx, otodom, body, **kwargs)

    return send


@pytest.mark.django_db
def test_an_otodom_message_becomes_a_lead_of_the_listings_investment(otodom, delivered, advisor):
    investment = InvestmentFactory(name="Osiedle Zielone")
    Listing.objects.create(account=otodom, key=str(AD_ID), name="M3 Zielone", investment=investment)
    body = notification()

    response = delivered(body)

    assert response.status_code == 200
    assert response.json() == {"received": body["data"]["uuid"], "new": True}
    lead = Lead.objects.get()
    assert (lead.contact_first_name, lead.contact_last_name) == ("Jan", "Kowalski")
    assert (lead.contact_email, lead.contact_phone) == ("jan.kowalski@example.pl", "+48600100200")
    assert lead.message == "Dzień dobry, czy mieszkanie jest dostępne?"
    assert (lead.source.slug, lead.utm_source, lead.utm_medium) == ("otodom", "otodom", "portal")
    assert list(lead.investments.all()) == [investment]
    assert list(lead.employees.all()) == [advisor]
    assert lead.submitted_at.isoformat() == "2026-12-07T10:04:50+00:00"
    raw = RawMessage.objects.get()
    assert (raw.outcome, raw.lead, raw.external_id) == (Outcome.CREATED, lead, body["data"]["uuid"])
    assert json.loads(bytes(raw.body)) == body
    assert "X-Signature" in raw.headers
    assert raw.attribution["portal"] == "Otodom"
    assert raw.attribution["listing"] == str(AD_ID)
    assert raw.attribution["listing_name"] == "M3 Zielone"
    assert raw.attribution["conversation_id"] == body["data"]["conversation_id"]
    otodom.refresh_from_db()
    assert otodom.last_success_at is not None


@pytest.mark.django_db
def test_a_delivery_retried_by_olx_makes_one_lead(otodom, delivered):
    body = notification()

    first, second = delivered(body), delivered(body)

    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["new"], second.json()["new"]) == (True, False)
    assert RawMessage.objects.count() == 1
    assert Lead.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("signed_with", [None, "a-guessed-secret"])
def test_a_notification_without_olxs_signature_is_refused_and_nothing_stored(
    otodom, delivered, signed_with
):
    response = delivered(notification(), signed_with=signed_with)

    assert response.status_code == 403
    assert "signature" in response.json()["errors"]
    assert not RawMessage.objects.exists() and not Lead.objects.exists()


@pytest.mark.django_db
def test_an_account_without_a_secret_accepts_no_notification(otodom, delivered):
    otodom.secret_encrypted = ""
    otodom.save()

    assert delivered(notification(), signed_with="").status_code == 403
    assert delivered(notification(), signed_with=SECRET).status_code == 403
    assert not RawMessage.objects.exists()


def _without(key: str) -> dict:
    body = notification()
    del body["data"][key]
    return body


def _with(**data) -> dict:
    body = notification()
    body["data"].update(data)
    return body


MALFORMED = [
    pytest.param(b"<xml>not json</xml>", "body", id="not-json"),
    pytest.param(b"\xff\xfe{}", "body", id="not-utf8"),
    pytest.param(json.dumps([notification()]).encode(), "body", id="an-array"),
    pytest.param(b"[" * 50_000 + b"]" * 50_000, "body", id="nested-past-the-limit"),
    pytest.param(b'{"flow": 1' + b"0" * 5000 + b"}", "body", id="a-number-of-5000-digits"),
    pytest.param(_without("uuid"), "data.uuid", id="no-uuid"),
    pytest.param(_with(uuid=12.5), "data.uuid", id="uuid-a-number"),
    pytest.param(_with(sender_email=["jan@example.pl"]), "data.sender_email", id="email-a-list"),
    pytest.param(_with(ad_id=True), "data.ad_id", id="ad-id-true"),
    pytest.param(_with(ad_id=1e308), "data.ad_id", id="ad-id-a-float"),
    pytest.param(_with(message={"text": "hej"}), "data.message", id="message-an-object"),
    pytest.param(_with(sender_name="J" * 301), "data.sender_name", id="name-too-long"),
    pytest.param({**notification(), "data": "a text"}, "data", id="data-a-text"),
    pytest.param({**notification(), "data": None}, "data", id="no-data"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "field"), MALFORMED)
def test_a_malformed_notification_is_refused_with_the_field_named(otodom, olx, body, field):
    if isinstance(body, bytes):
        response = deliver(olx, otodom, {}, signed_with=None, raw=body)
        # Unsigned: a body is read once there is a signature to check it against.
        assert response.status_code == 403
        response = olx.post(
            reverse("intake:otodom_webhook", args=[otodom.pk]),
            body,
            content_type="application/json",
            HTTP_X_SIGNATURE="0" * 40,
        )
    else:
        response = deliver(olx, otodom, body)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not RawMessage.objects.exists()


@pytest.mark.django_db
def test_a_notification_without_its_ids_cannot_be_checked_and_is_refused(otodom, olx):
    body = notification()
    signed = signature(body)
    del body["transaction_id"]

    response = olx.post(
        reverse("intake:otodom_webhook", args=[otodom.pk]),
        json.dumps(body),
        content_type="application/json",
        HTTP_X_SIGNATURE=signed,
    )

    assert response.status_code == 400
    assert "transaction_id" in response.json()["errors"]


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_unread(otodom, olx, settings):
    settings.LEJEK_INTAKE_MAX_WEBHOOK_BYTES = 10_000
    body = notification(message="x" * 20_000)

    assert deliver(olx, otodom, body).status_code == 413
    assert not RawMessage.objects.exists()


@pytest.mark.django_db
def test_unknown_accounts_and_other_methods_are_refused(otodom, olx):
    mailbox = ChannelAccount.objects.create(name="Skrzynka", kind="mailbox", source=otodom.source)

    assert deliver(olx, mailbox, notification()).status_code == 404
    assert olx.get(reverse("intake:otodom_webhook", args=[otodom.pk])).status_code == 405


@pytest.mark.django_db
def test_the_conversations_next_message_is_added_to_its_lead(otodom, delivered):
    delivered(notification())
    lead = Lead.objects.get()

    delivered(notification(message="A czy jest miejsce postojowe?"))

    assert Lead.objects.count() == 1
    latest = RawMessage.objects.latest("id")
    assert (latest.outcome, latest.lead) == (Outcome.APPENDED, lead)
    activity = Activity.objects.get(lead=lead)
    assert (activity.kind, activity.direction) == (
        ActivityKind.MESSENGER,
        ActivityDirection.INBOUND,
    )
    assert activity.notes.endswith("A czy jest miejsce postojowe?")
    assert str(AD_ID) in activity.notes


@pytest.mark.django_db
def test_the_same_message_sent_twice_by_a_double_click_is_junk(otodom, delivered, in_english):
    delivered(notification())

    delivered(notification())

    assert Lead.objects.count() == 1
    assert not Activity.objects.exists()
    latest = RawMessage.objects.latest("id")
    assert latest.outcome == Outcome.JUNK
    assert "same message" in latest.reason


@pytest.mark.django_db
def test_a_message_after_the_lead_failed_opens_a_new_lead(otodom, delivered, advisor):
    delivered(notification())
    first = Lead.objects.get()
    lead_mark_failed(lead=first, reason=FailureReason.objects.first(), user=advisor)

    delivered(notification(message="Wracam do tematu po roku."))

    assert Lead.objects.count() == 2
    newest = Lead.objects.latest("id")
    assert newest.message == "Wracam do tematu po roku."
    # And the conversation goes on with the new lead.
    delivered(notification(message="Kiedy można obejrzeć?"))
    assert Activity.objects.get().lead == newest


@pytest.mark.django_db
def test_another_conversation_about_the_same_listing_is_another_lead(otodom, delivered):
    delivered(notification())

    delivered(
        notification(
            conversation="another",
            sender_email="ewa@example.pl",
            sender_name="Ewa",
            sender_phone="",
        )
    )

    assert Lead.objects.count() == 2


@pytest.mark.django_db
def test_an_invalid_phone_and_email_are_kept_in_the_message(otodom, delivered):
    delivered(
        notification(sender_phone="12", sender_email="not-an-email", message="Proszę o kontakt")
    )

    lead = Lead.objects.get()
    assert (lead.contact_phone, lead.contact_email) == ("", "")
    assert "12" in lead.message and "not-an-email" in lead.message
    assert lead.message.endswith("Proszę o kontakt")


@pytest.mark.django_db
def test_a_notification_of_another_flow_is_answered_and_logged_as_junk(otodom, delivered):
    body = notification(flow="publish_advert")
    body["data"] = {"code": "active", "url": "https://www.otodom.pl/pl/oferta/1"}

    response = delivered(body)

    assert response.status_code == 200
    raw = RawMessage.objects.get()
    assert raw.external_id == f"publish_advert:{body['transaction_id']}"
    assert raw.outcome == Outcome.JUNK and "publish_advert" in raw.reason
    assert not Lead.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_olx_posting_to_the_running_server_is_answered_at_once_and_a_worker_makes_the_lead(
    reference_data, celery_worker, live_server, advisor
):
    rule = AssignmentRule.objects.create(name="Portale")
    rule.pool.set([advisor])
    account = ChannelAccount.objects.create(
        name="Otodom",
        kind=ChannelKind.OTODOM,
        source=otodom_source(),
        secret_encrypted=secret_encrypt(SECRET),
    )
    body = notification()
    url = live_server.url + reverse("intake:otodom_webhook", args=[account.pk])

    started = time.monotonic()
    response = httpx.post(
        url, content=json.dumps(body), headers={"X-Signature": signature(body)}, timeout=10
    )
    answered_in = time.monotonic() - started

    assert response.status_code == 200
    assert answered_in < 2  # OLX's limit
    deadline = time.monotonic() + 15
    while not Lead.objects.exists():
        assert time.monotonic() < deadline, "the worker made no lead"
        time.sleep(0.1)
    lead = Lead.objects.get()
    assert lead.contact_email == "jan.kowalski@example.pl"
    assert RawMessage.objects.get().outcome == Outcome.CREATED
