"""Reading an inquiry's JSON body: what a partner sends, and the field-named errors they get
back when something is wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from intake.payload import read_intake_payload

GOOD = {
    "external_id": "otodom-123",
    "first_name": "Anna",
    "last_name": "Nowak",
    "email": "Anna.Nowak@example.com",
    "phone": "0048 600 100 200",
    "message": "Proszę o kontakt w sprawie M3.",
    "investment": "zielone-tarasy",
    "consents": {"processing": True, "marketing": False},
    "utm": {"source": "otodom", "medium": "portal", "campaign": "jesien"},
    "submitted_at": "2026-11-20T10:15:00+01:00",
    "listing_id": 991,  # not ours: kept in the raw payload, not an error
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_full_inquiry_is_read_with_the_phone_in_e164():
    payload = read_intake_payload(GOOD)
    assert payload.is_valid, payload.errors
    assert payload.data["phone"] == "+48600100200"
    assert payload.data["consents_processing"] is True
    assert payload.data["consents_marketing"] is False
    assert payload.data["utm_campaign"] == "jesien"
    assert payload.data["submitted_at"] == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)


def test_an_email_alone_or_a_phone_alone_is_enough():
    assert read_intake_payload({"email": "a@example.com"}).is_valid
    assert read_intake_payload({"phone": "600-100-200"}).is_valid


def test_neither_email_nor_phone_is_refused():
    payload = read_intake_payload({"first_name": "Anna"})
    assert payload.errors == {"non_field_errors": ["Give an email address or a phone number."]}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"email": "anna(at)example"}, "email", "Enter a valid email address."),
        ({"phone": "12"}, "phone", "“12” is not a valid phone number."),
        ({"phone": "call me"}, "phone", "“call me” is not a phone number."),
        ({"email": "a@example.com", "first_name": "x" * 10_000}, "first_name", "at most 100"),
        ({"email": "a@example.com", "consents": {"processing": "yes"}}, "consents.processing",
         "Must be true or false."),
        ({"email": "a@example.com", "utm": "otodom"}, "utm", "Must be a JSON object."),
        ({"email": "a@example.com", "first_name": ["Anna"]}, "first_name", "Must be a string."),
        ({"email": "a@example.com", "utm": {"term": 5}}, "utm.term", "Must be a string."),
        ({"email": "a@example.com", "submitted_at": "wczoraj"}, "submitted_at",
         "with its time zone, as in 2026-03-01T10:15:00+01:00"),
        ({"email": "a@example.com", "submitted_at": "2026-03-01 10:15"}, "submitted_at",
         "with its time zone, as in 2026-03-01T10:15:00+01:00"),
        ({"email": "a@example.com", "consents": []}, "consents", "Must be a JSON object."),
        # Found by the fuzzer: valid ISO 8601 that PostgreSQL cannot store.
        ({"email": "a@example.com", "submitted_at": "2026-07-10T13:19:22+23:46"},
         "submitted_at", "between -14:00 and +14:00"),
        ({"email": "a@example.com", "submitted_at": "0770-07-10T13:19:22+01:00"},
         "submitted_at", "between the years 2000 and 2100"),
    ],
)  # fmt: skip
def test_a_bad_field_is_named_in_the_error(body, field, message):
    payload = read_intake_payload(body)
    assert not payload.is_valid
    assert message in " ".join(payload.errors[field])


@pytest.mark.parametrize("body", [[GOOD], "Anna", 42, None])
def test_a_body_that_is_not_an_object_is_refused(body):
    assert read_intake_payload(body).errors == {
        "non_field_errors": ["The body must be a JSON object."]
    }


def test_html_in_names_and_message_is_kept_as_text():
    body = {"email": "a@example.com", "first_name": "<script>alert(1)</script>",
            "message": "<b>Dzień dobry</b>\r\nBcc: x@example.com"}  # fmt: skip
    payload = read_intake_payload(body)
    assert payload.data["first_name"] == "<script>alert(1)</script>"
    assert payload.data["message"].startswith("<b>Dzień dobry</b>")
