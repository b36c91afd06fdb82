"""A partner's website or portal posts inquiries to the intake API with its source's token:
each good inquiry becomes a lead for an advisor, a retry never makes a second one, and
every bad request gets a JSON answer naming what to fix, with nothing stored."""

from __future__ import annotations

import json
import time

import jsonschema_rs
import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.services import source_rotate_intake_token
from leads.intake_config import intake_config
from leads.models import (
    AssignmentRule,
    AssignmentStrategy,
    IntakeOutcome,
    IntakeReceipt,
    Lead,
    LeadEvent,
    LeadEventKind,
)
from notifications.models import Notification, NotificationKind
from tests.factories import InvestmentFactory, source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_rate_limits")]

API = "/api/intake/leads/"

INQUIRY = {
    "external_id": "rp-2026-000123",
    "first_name": "Jan",
    "last_name": "Kowalski",
    "email": "jan.kowalski@example.pl",
    "phone": "600 100 200",
    "message": "Proszę o ofertę mieszkania 3-pokojowego.",
    "consents": {"processing": True, "marketing": False},
    "utm": {"source": "rynekpierwotny", "medium": "portal", "campaign": "jesien"},
    # Not a field of ours: the lead keeps it in its raw payload.
    "listing_id": 991,
}


@pytest.fixture(autouse=True)
def portal_inquiries_go_to_the_advisor(advisor):
    rule = AssignmentRule.objects.create(name="Portale", strategy=AssignmentStrategy.ROUND_ROBIN)
    rule.pool.set([advisor])
    return rule


def post(http: HttpClient, body, **extra):
    return http.post(API, data=json.dumps(body), content_type="application/json", **extra)


def post_raw(http: HttpClient, body: bytes, content_type: str = "application/json"):
    return http.post(API, data=body, content_type=content_type)


def assert_nothing_stored() -> None:
    assert Lead.objects.count() == 0
    assert IntakeReceipt.objects.count() == 0
    assert LeadEvent.objects.count() == 0
    assert Notification.objects.count() == 0


# --- A good inquiry becomes a lead ------------------------------------------------------


def test_posted_inquiry_becomes_a_lead_at_the_answered_address(partner):
    response = post(partner, INQUIRY)

    assert response.status_code == 201
    answer = response.json()
    lead = Lead.objects.get()
    assert answer["id"] == lead.pk
    assert answer["outcome"] == "created"
    assert answer["url"] == f"http://testserver{lead.get_absolute_url()}"
    assert response["Location"] == answer["url"]


def test_lead_keeps_the_inquirys_contact_with_the_phone_in_e164(partner):
    post(partner, INQUIRY)

    lead = Lead.objects.get()
    assert lead.contact_first_name == "Jan"
    assert lead.contact_last_name == "Kowalski"
    assert lead.contact_email == "jan.kowalski@example.pl"
    assert lead.contact_phone == "+48600100200"
    assert lead.message == "Proszę o ofertę mieszkania 3-pokojowego."
    # The basis of handling it is recorded; marketing: false records no marketing consent.
    assert list(lead.consent_events.values_list("kind", "action", "source")) == [
        ("inquiry:any", "given", "api")
    ]
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == (
        "rynekpierwotny",
        "portal",
        "jesien",
    )
    assert lead.external_id == "rp-2026-000123"


def test_lead_from_an_inquiry_is_one_history_record_with_its_employee_and_investment(
    partner, advisor
):
    investment = InvestmentFactory(name="Zielone Tarasy", code="zt-01")

    post(partner, {**INQUIRY, "investment": "zt-01"})

    (created,) = Lead.objects.get().history.all()
    assert (created.history_type, created.history_user) == ("+", None)
    assert [row.user_id for row in created.employees.all()] == [advisor.pk]
    assert [row.investment_id for row in created.investments.all()] == [investment.pk]


def test_submission_time_given_by_the_sender_is_kept_and_shown(partner, advisor):
    post(partner, {**INQUIRY, "submitted_at": "2026-11-20T10:15:00+01:00"})

    lead = Lead.objects.get()
    assert lead.submitted_at.isoformat() == "2026-11-20T09:15:00+00:00"
    page = HttpClient(HTTP_ACCEPT_LANGUAGE="pl")
    page.force_login(advisor)
    assert "20.11.2026, 10:15" in page.get(lead.get_absolute_url()).text


def test_lead_source_is_the_tokens_source_whatever_the_body_says(partner, portal):
    post(partner, {**INQUIRY, "source": "facebook"})

    assert Lead.objects.get().source == portal


def test_fields_the_api_does_not_know_are_kept_in_the_raw_payload(partner):
    post(partner, INQUIRY)

    lead = Lead.objects.get()
    assert lead.raw_payload == INQUIRY
    assert lead.raw_payload["listing_id"] == 991


def test_new_lead_is_assigned_to_an_advisor_who_is_told_about_it(partner, advisor):
    post(partner, INQUIRY)

    lead = Lead.objects.get()
    assert list(lead.employees.all()) == [advisor]
    assert lead.intake_outcome == IntakeOutcome.NEW
    assert Notification.objects.filter(
        lead=lead, recipient=advisor, kind=NotificationKind.LEAD_ASSIGNED
    ).exists()


def test_new_lead_records_when_it_was_created(partner):
    post(partner, INQUIRY)

    lead = Lead.objects.get()
    event = LeadEvent.objects.get(lead=lead)
    assert event.kind == LeadEventKind.CREATED
    assert event.at == lead.created_at


@pytest.mark.parametrize("named_as", ["ZT-01", "zt-01", "Zielone Tarasy", "zielone tarasy"])
def test_investment_named_by_code_or_name_is_linked(partner, named_as):
    tarasy = InvestmentFactory(name="Zielone Tarasy", code="zt-01")
    InvestmentFactory(name="Osiedle Lipowe", code="lip-02")

    post(partner, {**INQUIRY, "investment": named_as})

    lead = Lead.objects.get()
    assert list(lead.investments.all()) == [tarasy]
    assert lead.investment_unknown is False


def test_unknown_investment_is_kept_as_text_and_flagged(partner):
    InvestmentFactory(name="Zielone Tarasy", code="zt-01")

    post(partner, {**INQUIRY, "investment": "Apartamenty Nad Wartą"})

    lead = Lead.objects.get()
    assert list(lead.investments.all()) == []
    assert lead.investment_text == "Apartamenty Nad Wartą"
    assert lead.investment_unknown is True


def test_retry_with_the_same_external_id_answers_the_first_lead(partner):
    first = post(partner, INQUIRY)
    retry = post(partner, {**INQUIRY, "message": "Wysłane ponownie po przekroczeniu czasu."})

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["outcome"] == "duplicate"
    assert retry["Location"] == first["Location"]
    assert Lead.objects.count() == 1
    assert IntakeReceipt.objects.count() == 1
    assert Lead.objects.get().message == INQUIRY["message"]


def test_inquiries_without_external_id_each_make_a_lead(partner):
    body = {key: value for key, value in INQUIRY.items() if key != "external_id"}

    first = post(partner, body)
    second = post(partner, body)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert Lead.objects.count() == 2
    assert IntakeReceipt.objects.count() == 0


def test_one_intake_takes_a_fixed_number_of_queries(partner, django_assert_num_queries):
    InvestmentFactory(name="Zielone Tarasy", code="zt-01")
    intake_config()  # the configuration snapshot every running Lejek keeps warm

    # On PostgreSQL: the client looked up, the rule's turn, then in one transaction (a
    # savepoint here: 2 of the queries) the lead, its investment and employee, one history
    # snapshot with both, the board entry, the event, the notification, the receipt, and
    # the consent register's basis of handling it (5: its savepoint, the event, the
    # person's state looked up and written; the clauses come with the config snapshot).
    with django_assert_num_queries(19):
        response = post(partner, {**INQUIRY, "investment": "Zielone Tarasy"})

    assert response.status_code == 201
    assert Lead.objects.get().investments.get().name == "Zielone Tarasy"


def test_when_nobody_can_take_inquiries_the_sender_is_told_to_retry_later(partner, advisor):
    advisor.is_active = False  # the rule's only advisor, and no manager to fall back on
    advisor.save()

    response = post(partner, INQUIRY)

    assert response.status_code == 503
    assert list(response.json()["errors"]) == ["assignment"]
    assert int(response["Retry-After"]) > 0
    assert_nothing_stored()


def test_the_api_answers_get_with_405(partner):
    assert partner.get(API).status_code == 405


# --- Refusals: the status, the field to fix, and nothing stored --------------------------


def test_request_without_token_is_refused_with_401():
    response = post(HttpClient(), INQUIRY)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert list(response.json()["errors"]) == ["authorization"]
    assert_nothing_stored()


def test_request_with_a_wrong_token_is_refused_with_401(token):
    stranger = HttpClient(HTTP_AUTHORIZATION=f"Bearer {token[:-2]}xx")

    response = post(stranger, INQUIRY)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert list(response.json()["errors"]) == ["authorization"]
    assert_nothing_stored()


def test_rotated_out_token_is_refused_with_401(portal, token):
    source_rotate_intake_token(source=portal)

    response = post(HttpClient(HTTP_AUTHORIZATION=f"Bearer {token}"), INQUIRY)

    assert response.status_code == 401
    assert_nothing_stored()


def test_inactive_sources_token_is_refused_with_403(partner, portal):
    portal.active = False
    portal.save(update_fields=["active"])

    response = post(partner, INQUIRY)

    assert response.status_code == 403
    assert list(response.json()["errors"]) == ["source"]
    assert_nothing_stored()


def test_inquiry_without_email_or_phone_is_refused(partner):
    body = {key: value for key, value in INQUIRY.items() if key not in ("email", "phone")}

    response = post(partner, body)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["Give an email address or a phone number."]
    }
    assert_nothing_stored()


def test_malformed_email_is_refused(partner):
    response = post(partner, {**INQUIRY, "email": "jan.kowalski(at)example"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]
    assert_nothing_stored()


def test_phone_that_is_not_a_number_is_refused(partner):
    response = post(partner, {**INQUIRY, "phone": "zadzwoń po 17"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["phone"]
    assert_nothing_stored()


def test_one_megabyte_body_is_refused_with_413(partner):
    body = {**INQUIRY, "message": "x" * (1024 * 1024)}

    response = post(partner, body)

    assert response.status_code == 413
    assert list(response.json()["errors"]) == ["body"]
    assert_nothing_stored()


def test_body_that_is_not_utf8_is_refused(partner):
    body = json.dumps({**INQUIRY, "first_name": "Zofia Żółć"}, ensure_ascii=False)

    response = post_raw(partner, body.encode("iso-8859-2"))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]
    assert_nothing_stored()


def test_chunked_body_without_content_length_is_refused_with_411(partner):
    # As a server passes a "Transfer-Encoding: chunked" request on: no Content-Length.
    response = partner.generic(
        "POST",
        API,
        json.dumps(INQUIRY),
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )

    assert response.status_code == 411
    assert response.json() == {
        "errors": {"body": ["Send the body with a Content-Length header, not in chunks."]}
    }
    assert_nothing_stored()


def test_content_length_that_is_not_a_number_is_read_as_no_body(partner):
    # As Django reads it (an unreadable length is 0): a plain refusal, not an error page.
    response = partner.generic(
        "POST", API, json.dumps(INQUIRY), content_type="application/json", CONTENT_LENGTH="abc"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]
    assert_nothing_stored()


@pytest.mark.parametrize("charset", ["iso-8859-2", "windows-1250", "utf-16"])
def test_body_in_a_charset_other_than_utf8_is_refused_with_415(partner, charset):
    # Plain ASCII, which every one of them would decode: still refused for what it claims.
    body = json.dumps({**INQUIRY, "first_name": "Zofia"}).encode("ascii")

    response = post_raw(partner, body, content_type=f"application/json; charset={charset}")

    assert response.status_code == 415
    assert response.json() == {
        "errors": {"content_type": ["Send the inquiry in UTF-8 (charset=utf-8)."]}
    }
    assert_nothing_stored()


def test_body_declared_as_utf8_is_taken(partner):
    body = json.dumps({**INQUIRY, "first_name": "Zofia Żółć"}, ensure_ascii=False)

    response = post_raw(partner, body.encode(), content_type="application/json; charset=UTF-8")

    assert response.status_code == 201
    assert Lead.objects.get().contact_first_name == "Zofia Żółć"


def test_body_that_is_not_json_is_refused(partner):
    response = post_raw(partner, b"first_name=Jan&email=jan%40example.pl")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]
    assert_nothing_stored()


def test_body_sent_as_text_plain_is_refused_with_415(partner):
    response = post_raw(partner, json.dumps(INQUIRY).encode(), content_type="text/plain")

    assert response.status_code == 415
    assert list(response.json()["errors"]) == ["content_type"]
    assert_nothing_stored()


def test_json_array_instead_of_an_object_is_refused(partner):
    response = post(partner, [INQUIRY])

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["non_field_errors"]
    assert_nothing_stored()


def test_each_too_long_field_is_named_and_nothing_is_stored(partner):
    too_long = "x" * 10_000
    body = {
        **INQUIRY,
        "external_id": too_long,
        "first_name": too_long,
        "last_name": too_long,
        "message": too_long,
        "investment": too_long,
        "utm": {"source": too_long, "campaign": "jesien"},
    }

    response = post(partner, body)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "external_id",
        "first_name",
        "last_name",
        "message",
        "investment",
        "utm.source",
    }
    assert_nothing_stored()


# --- What the sender wrote is stored as text and shown as text ---------------------------

SCRIPT = "<script>alert('lejek')</script>"


def test_html_in_names_and_message_is_stored_exactly(partner):
    post(
        partner,
        {**INQUIRY, "first_name": "<b>Jan</b>", "last_name": SCRIPT, "message": f"Hej {SCRIPT}"},
    )

    lead = Lead.objects.get()
    assert lead.contact_first_name == "<b>Jan</b>"
    assert lead.contact_last_name == SCRIPT
    assert lead.message == f"Hej {SCRIPT}"


def test_html_from_an_inquiry_is_shown_escaped_on_the_lead_page(partner, advisor, browser_of):
    answer = post(
        partner,
        {**INQUIRY, "first_name": "<b>Jan</b>", "last_name": SCRIPT, "message": f"Hej {SCRIPT}"},
    ).json()
    page = browser_of(advisor).get(reverse("leads:detail", args=[answer["id"]]))

    assert page.status_code == 200
    html = page.content.decode()
    assert SCRIPT not in html
    assert "<b>Jan</b>" not in html
    assert "&lt;script&gt;alert(&#x27;lejek&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Jan&lt;/b&gt;" in html


def test_name_with_a_header_injection_is_stored_on_one_line(partner):
    post(partner, {**INQUIRY, "first_name": "Jan\r\nBcc: x@example.com"})

    lead = Lead.objects.get()
    assert lead.contact_first_name == "Jan Bcc: x@example.com"


# --- Rate limit ------------------------------------------------------------------------


def wait_for_a_fresh_minute_if_this_one_ends_soon() -> None:
    """The limiter counts per clock minute: four posts straddling a minute's end would be
    counted in two windows."""
    left = 60 - time.time() % 60
    if left < 5:
        time.sleep(left + 0.1)


def test_fourth_inquiry_in_a_minute_is_refused_with_retry_after(partner, portal):
    portal.intake_rate_per_minute = 3
    portal.save(update_fields=["intake_rate_per_minute"])
    wait_for_a_fresh_minute_if_this_one_ends_soon()

    accepted = [post(partner, {**INQUIRY, "external_id": f"rp-{n}"}) for n in range(3)]
    refused = post(partner, {**INQUIRY, "external_id": "rp-3"})

    assert [response.status_code for response in accepted] == [201, 201, 201]
    assert refused.status_code == 429
    assert list(refused.json()["errors"]) == ["rate"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["rp-0", "rp-1", "rp-2"]
    assert not IntakeReceipt.objects.filter(external_id="rp-3").exists()


def test_rate_limit_is_counted_per_source(partner, portal):
    portal.intake_rate_per_minute = 1
    portal.save(update_fields=["intake_rate_per_minute"])
    website = HttpClient(
        HTTP_AUTHORIZATION=f"Bearer {source_rotate_intake_token(source=source('www'))}"
    )
    wait_for_a_fresh_minute_if_this_one_ends_soon()

    assert post(partner, {**INQUIRY, "external_id": "rp-1"}).status_code == 201
    assert post(partner, {**INQUIRY, "external_id": "rp-2"}).status_code == 429
    assert post(website, {**INQUIRY, "external_id": "www-1"}).status_code == 201


# --- Bodies that must be answered, not crash the intake ----------------------------------
# Each of these got through the checks when these tests were written and was refused by
# the parser or the database: the partner got a 500 HTML page instead of a 400 naming the
# problem.


def test_nul_character_in_an_unknown_field_is_refused(partner):
    response = post(partner, {**INQUIRY, "listing_note": "M3\u0000"})

    assert response.status_code == 400
    assert "errors" in response.json()
    assert_nothing_stored()


@pytest.mark.parametrize("number", ["NaN", "Infinity", "1e400"])
def test_number_json_does_not_allow_is_refused(partner, number):
    body = json.dumps(INQUIRY)[:-1] + f', "price": {number}}}'

    response = post_raw(partner, body.encode())

    assert response.status_code == 400
    assert "errors" in response.json()
    assert_nothing_stored()


def test_deeply_nested_body_is_refused(partner):
    nested = "[" * 20_000 + "]" * 20_000
    body = json.dumps(INQUIRY)[:-1] + f', "rooms": {nested}}}'

    response = post_raw(partner, body.encode())

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]
    assert_nothing_stored()


def test_body_nested_a_few_hundred_levels_deep_gets_an_answer(partner):
    # 2 KB that any JSON parser reads; whether Lejek keeps it or refuses it, the partner
    # must be told, not shown an error page.
    nested = "[" * 450 + "]" * 450
    body = json.dumps(INQUIRY)[:-1] + f', "rooms": {nested}}}'

    response = post_raw(partner, body.encode())

    assert response.status_code in (201, 400)
    assert Lead.objects.count() == (1 if response.status_code == 201 else 0)


def test_name_with_a_lone_surrogate_is_refused(partner):
    body = json.dumps(INQUIRY)[:-1] + ', "first_name": "Jan\\ud800"}'

    response = post_raw(partner, body.encode())

    assert response.status_code == 400
    assert "first_name" in response.json()["errors"]
    assert_nothing_stored()


def test_lone_surrogate_in_an_unknown_field_is_refused(partner):
    body = json.dumps(INQUIRY)[:-1] + ', "listing_note": "M3 \\udfff"}'

    response = post_raw(partner, body.encode())

    assert response.status_code == 400
    assert "errors" in response.json()
    assert_nothing_stored()


# --- The OpenAPI document --------------------------------------------------------------


def test_schema_documents_the_intake_operation_and_its_answers(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"].startswith("3.")
    operation = document["paths"][API]["post"]
    assert set(operation["responses"]) == {
        "200", "201", "400", "401", "403", "411", "413", "415", "429", "503",
    }  # fmt: skip
    assert document["servers"] == [{"url": "http://testserver"}]


def document_verdict(client, body) -> bool:
    """Whether the served OpenAPI document allows `body` as an inquiry (its "nullable" read
    as JSON Schema's null type, formats checked)."""

    def as_json_schema(node):
        if isinstance(node, dict):
            node = {key: as_json_schema(value) for key, value in node.items()}
            if node.pop("nullable", False) and "type" in node:
                node["type"] = [node["type"], "null"]
            return node
        if isinstance(node, list):
            return [as_json_schema(item) for item in node]
        return node

    inquiry = client.get("/api/schema/").json()["components"]["schemas"]["Inquiry"]
    return jsonschema_rs.Draft4Validator(as_json_schema(inquiry), validate_formats=True).is_valid(
        body
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consents": []}, "consents"),
        ({"consents": ""}, "consents"),
        ({"utm": False}, "utm"),
        ({"utm": "rynekpierwotny"}, "utm"),
        ({"submitted_at": "2026-11-20"}, "submitted_at"),
        ({"submitted_at": "2026-11-20T10:15:00"}, "submitted_at"),  # no offset
        ({"submitted_at": "20.11.2026 10:15"}, "submitted_at"),
        ({"submitted_at": "1999-12-31T23:59:59Z"}, "submitted_at"),
        ({"submitted_at": "2026-11-20T10:15:00+14:30"}, "submitted_at"),
        ({"email": "nie-email"}, "email"),
        ({"first_name": 7}, "first_name"),
    ],
)
def test_a_retry_whose_body_breaks_the_document_is_refused_not_answered_as_a_duplicate(
    client, partner, change, field
):
    first = post(partner, INQUIRY)
    assert first.status_code == 201
    body = {**INQUIRY, **change}
    assert document_verdict(client, body) is False

    response = post(partner, body)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert Lead.objects.count() == IntakeReceipt.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"first_name": None, "consents": None, "utm": None},
        {"consents": {"processing": None}, "utm": {"source": None}},
        {"email": "", "submitted_at": ""},
        {"submitted_at": None},
        {"submitted_at": "2000-01-01T00:00:00+14:00"},
        {"submitted_at": "2100-12-31T23:59:59.5-14:00"},
        {"submitted_at": "2026-11-20T10:15:00Z"},
    ],
)
def test_what_the_document_allows_is_taken(client, partner, change):
    body = {**INQUIRY, **change}
    assert document_verdict(client, body) is True

    response = post(partner, body)

    assert response.status_code == 201, response.json()


def test_the_document_states_the_submitted_at_range(client):
    submitted_at = client.get("/api/schema/").json()["components"]["schemas"]["Inquiry"][
        "properties"
    ]["submitted_at"]

    assert "years 2000 to 2100" in submitted_at["description"]
    assert "from -14:00 to +14:00" in submitted_at["description"]
    assert any("pattern" in choice for choice in submitted_at["anyOf"])


def test_documented_example_is_accepted_as_is(client, partner):
    example = client.get("/api/schema/").json()["components"]["schemas"]["Inquiry"]["example"]

    response = post(partner, example)

    assert response.status_code == 201
    assert Lead.objects.get().external_id == example["external_id"]
