"""Every path an inquiry comes by writes to the consent register: the public form (what
the visitor ticked, with the form's address, their address and browser), the intake API
(consents by clause version, and the old booleans mapped to documented defaults), an
import (with its batch and row). Nothing is implied, and a person who objected to
marketing is never given a marketing consent they did not give anew."""

# ruff: noqa: F811 (the intake stories' fixtures, imported, are the tests' arguments)
from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from consents.models import Action, Clause, ConsentEvent, Controller, Kind, Source
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import Given, consents_record_given, objection_record
from leads.imports.run import import_run
from leads.models import AssignmentRule, ImportBatch, ImportRowError, ImportStatus, Lead
from leads.services.editing import lead_update
from tests.factories import ClientFactory, InvestmentFactory, LeadFactory, source
from tests.intake.conftest import (  # noqa: F401
    browser_of,
    empty_rate_limits,
    in_english,
    partner,
    portal,
    token,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("in_english", "empty_rate_limits", "inquiries_go_to_the_advisor"),
]

API = "/api/intake/leads/"
EWA = {"first_name": "Ewa", "email": "ewa@example.pl", "phone": "600 100 200"}


@pytest.fixture
def inquiries_go_to_the_advisor(advisor):
    AssignmentRule.objects.create(name="Wszystkie").pool.add(advisor)


@pytest.fixture
def website():
    www = source("www")
    www.intake_form_enabled = True
    www.save()
    return www


@pytest.fixture
def clauses():
    return clauses_offered(controller_default())


def post(partner, body, **extra):
    return partner.post(API, data=json.dumps(body), content_type="application/json", **extra)


def kinds_given(lead: Lead) -> dict[str, ConsentEvent]:
    return {event.kind: event for event in lead.consent_events.filter(action=Action.GIVEN)}


def someone_objected(phone="600 100 200", email="ewa@example.pl") -> None:
    earlier = LeadFactory(contact_phone=phone, contact_email=email)
    objection_record(person=Person(lead=earlier), user=None)


# -- The public form -------------------------------------------------------------------------


def test_form_shows_the_controllers_information_and_an_unticked_box_per_marketing_channel(
    browser_of, website, clauses
):
    controller = controller_default()
    controller.address, controller.nip, controller.dpo_contact = (
        "ul. Polna 1, Wrocław",
        "8951234567",
        "iod@dewelo.pl",
    )
    controller.save()

    page = browser_of(None).get(reverse("intake_form", args=[website.slug])).text

    assert controller.name in page and "ul. Polna 1, Wrocław" in page and "8951234567" in page
    assert "Data protection officer: iod@dewelo.pl." in page
    assert "GDPR art. 6(1)(b)" in page  # the default information text, as none is set
    for kind in ("marketing_email", "marketing_phone", "marketing_sms", "automated_calling_phone"):
        assert f'name="consent_{kind}"' in page
    assert 'name="consent_profiling_any"' not in page  # profiling is off in the settings
    assert "checked" not in page
    assert clauses[Kind.MARKETING_EMAIL].text_en in page


def test_visitor_ticking_marketing_by_email_only_gives_that_consent_with_its_evidence(
    browser_of, website, clauses
):
    visitor = browser_of(None)
    visitor.defaults["HTTP_USER_AGENT"] = "Mozilla/5.0 (Ewa)"
    url = reverse("intake_form", args=[website.slug]) + "?utm_source=google"

    response = visitor.post(url, {**EWA, "consent_marketing_email": "on"})

    assert response.status_code == 302
    lead = Lead.objects.get()
    given = kinds_given(lead)
    assert set(given) == {Kind.INQUIRY, Kind.MARKETING_EMAIL}  # phone not given
    email = given[Kind.MARKETING_EMAIL]
    assert (email.clause, email.clause.version) == (clauses[Kind.MARKETING_EMAIL], 1)
    assert email.source == Source.PUBLIC_FORM and email.client is None
    assert email.evidence == {
        "url": f"http://testserver{url}",
        "ip": "127.0.0.1",
        "user_agent": "Mozilla/5.0 (Ewa)",
    }
    assert given[Kind.INQUIRY].clause == clauses[Kind.INQUIRY]
    states = dict(lead.consent_states.values_list("kind", "granted"))
    assert states == {Kind.INQUIRY: True, Kind.MARKETING_EMAIL: True}


def test_a_visitor_who_objected_and_ticks_again_gives_a_new_explicit_consent(browser_of, website):
    someone_objected()

    browser_of(None).post(
        reverse("intake_form", args=[website.slug]), {**EWA, "consent_marketing_phone": "on"}
    )

    assert set(kinds_given(Lead.objects.latest("id"))) == {Kind.INQUIRY, Kind.MARKETING_PHONE}


# -- The intake API ----------------------------------------------------------------------------


def test_api_records_the_consents_given_by_clause_version_with_the_request(partner, clauses):
    body = {
        **EWA,
        "consents": {
            "given": [
                {"purpose": "marketing", "channel": "sms", "clause_version": 1},
                {"purpose": "automated_calling", "channel": "phone", "clause_version": 1},
            ]
        },
    }

    response = post(partner, body, HTTP_X_REQUEST_ID="req-abc-123")

    assert response.status_code == 201
    assert response.json()["consents_refused"] == []
    given = kinds_given(Lead.objects.get())
    assert set(given) == {Kind.INQUIRY, Kind.MARKETING_SMS, Kind.AUTOMATED_CALLING}
    sms = given[Kind.MARKETING_SMS]
    assert sms.clause == clauses[Kind.MARKETING_SMS] and sms.source == Source.API
    assert sms.evidence == {"request_id": "req-abc-123", "payload": body}


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"purpose": "spam", "channel": "email", "clause_version": 1}, "purpose"),
        ({"purpose": "marketing", "channel": "fax", "clause_version": 1}, "channel"),
        ({"purpose": "profiling", "channel": "email", "clause_version": 1}, "channel"),
        ({"purpose": "marketing", "channel": "email", "clause_version": 9}, "clause_version"),
        ({"purpose": "marketing", "channel": "email", "clause_version": "1"}, "clause_version"),
        ({"purpose": "inquiry", "channel": "any", "clause_version": 1}, "purpose"),
    ],
)
def test_api_refuses_an_unknown_consent_naming_its_field_and_stores_nothing(partner, item, field):
    ok = {"purpose": "marketing", "channel": "email", "clause_version": 1}

    response = post(partner, {**EWA, "consents": {"given": [ok, item]}})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [f"consents.given[1].{field}"]
    assert not Lead.objects.exists() and not ConsentEvent.objects.exists()


def test_api_refuses_given_that_is_not_a_list(partner):
    response = post(partner, {**EWA, "consents": {"given": {"purpose": "marketing"}}})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["consents.given"]


def test_legacy_marketing_true_is_marketing_by_email_and_phone_call_with_the_offered_clauses(
    partner, clauses
):
    response = post(partner, {**EWA, "consents": {"processing": True, "marketing": True}})

    assert response.status_code == 201
    given = kinds_given(Lead.objects.get())
    assert set(given) == {Kind.INQUIRY, Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE}
    assert given[Kind.MARKETING_PHONE].clause == clauses[Kind.MARKETING_PHONE]


@pytest.mark.parametrize(
    "consents", [None, {}, {"processing": True}, {"processing": False, "marketing": False}]
)
def test_an_inquiry_without_consents_records_the_basis_and_no_marketing(partner, consents):
    body = {**EWA, **({"consents": consents} if consents is not None else {})}

    assert post(partner, body).status_code == 201

    assert set(kinds_given(Lead.objects.get())) == {Kind.INQUIRY}


def test_legacy_marketing_of_a_person_who_objected_is_refused_and_reported(partner):
    someone_objected()

    response = post(partner, {**EWA, "consents": {"marketing": True}})

    assert response.status_code == 201
    refused = response.json()["consents_refused"]
    assert len(refused) == 1 and "objected to marketing on" in refused[0]
    assert set(kinds_given(Lead.objects.latest("id"))) == {Kind.INQUIRY}


def test_an_explicit_consent_through_the_api_lifts_the_objection(partner):
    someone_objected()
    given = [{"purpose": "marketing", "channel": "email", "clause_version": 1}]

    response = post(partner, {**EWA, "consents": {"marketing": True, "given": given}})

    # Email named explicitly is recorded (and lifts the objection); the phone call of the
    # old boolean then is too: the person is no longer on the list.
    assert response.status_code == 201
    assert set(kinds_given(Lead.objects.latest("id"))) >= {Kind.INQUIRY, Kind.MARKETING_EMAIL}


def test_a_known_clients_inquiry_gives_the_consents_to_the_client(partner):
    client = ClientFactory(phone="600 100 200", email="")

    post(partner, {**EWA, "consents": {"marketing": True}})

    lead = Lead.objects.get()
    assert set(client.consent_states.filter(granted=True).values_list("kind", flat=True)) == {
        Kind.INQUIRY,
        Kind.MARKETING_EMAIL,
        Kind.MARKETING_PHONE,
    }
    assert set(client.consent_events.values_list("lead", flat=True)) == {lead.pk}


def test_the_openapi_document_says_how_the_old_booleans_map(client):
    document = client.get("/api/schema/").json()
    consents = document["components"]["schemas"]["Inquiry"]["properties"]["consents"]

    assert (
        "marketing by email and by phone call" in consents["properties"]["marketing"]["description"]
    )
    assert "art. 6(1)(b)" in consents["properties"]["processing"]["description"]
    received = document["components"]["schemas"]["Received"]
    assert "consents_refused" in received["required"]


# -- An import ---------------------------------------------------------------------------------


def test_an_import_records_the_rows_consents_and_reports_a_refusal_keeping_the_row(manager):
    someone_objected(phone="600 300 300", email="")
    csv = "Imię;E-mail;Telefon;Zgoda marketingowa\nJan;jan@example.pl;600200200;tak\n"
    csv += "Ola;;600300300;tak\nEla;ela@example.pl;;nie\n"
    batch = ImportBatch.objects.create(
        created_by=manager,
        branch=manager.branch,
        file=ContentFile(csv.encode(), name="leady.csv"),
        file_name="leady.csv",
        file_sha256="0" * 64,
        source=source("www"),
        encoding="utf-8",
        mapping={"0": "first_name", "1": "email", "2": "phone", "3": "consents_marketing"},
        headers=["Imię", "E-mail", "Telefon", "Zgoda marketingowa"],
        status=ImportStatus.CHECKED,
    )

    import_run(batch)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.rows_imported == 3
    jan, ola, ela = (Lead.objects.get(contact_first_name=name) for name in ("Jan", "Ola", "Ela"))
    assert set(kinds_given(jan)) == {Kind.INQUIRY, Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE}
    assert kinds_given(jan)[Kind.MARKETING_EMAIL].evidence == {"batch": batch.pk, "row": 2}
    assert kinds_given(jan)[Kind.MARKETING_EMAIL].source == Source.IMPORT
    assert set(kinds_given(ola)) == {Kind.INQUIRY}  # she objected: refused, row kept
    assert set(kinds_given(ela)) == {Kind.INQUIRY}
    (report,) = ImportRowError.objects.filter(batch=batch)
    assert report.row == 3 and "marketing consent was not recorded" in report.message
    assert "objected to marketing on" in report.message


def test_choosing_an_investment_of_another_controller_shows_its_consents_to_read_again(
    browser_of, website
):
    spv = Controller.objects.create(name="Akacjowa SPV Sp. z o.o.", nip="1111111111")
    for kind in (Kind.INQUIRY, Kind.MARKETING_EMAIL):
        Clause.objects.create(
            controller=spv, kind=kind, text_pl=f"SPV {kind}", text_en=f"SPV {kind}"
        )
    InvestmentFactory(name="Osiedle Akacjowa", code="akacjowa", controller=spv)
    visitor = browser_of(None)
    url = reverse("intake_form", args=[website.slug])
    shown = visitor.get(url).context["form"]["consents_shown"].value()
    answers = {**EWA, "investment": "akacjowa", "consents_shown": shown}

    again = visitor.post(url, {**answers, "consent_marketing_email": "on"})

    # Ticked against the developer's text: not recorded for the SPV; its texts shown.
    assert again.status_code == 400 and not Lead.objects.exists()
    assert "run by another data controller" in again.text
    assert "Akacjowa SPV Sp. z o.o." in again.text and "SPV marketing:email" in again.text
    assert "checked" not in again.text
    assert 'name="consent_marketing_phone"' not in again.text  # the SPV offers email only

    resent = {**answers, "consents_shown": again.context["form"].consents_signature}
    assert visitor.post(url, {**resent, "consent_marketing_email": "on"}).status_code == 302
    email = kinds_given(Lead.objects.get())[Kind.MARKETING_EMAIL]
    assert email.clause.controller == spv


def test_a_form_of_an_investment_page_shows_its_controllers_consents(browser_of, website):
    spv = Controller.objects.create(name="Akacjowa SPV Sp. z o.o.")
    Clause.objects.create(
        controller=spv, kind=Kind.MARKETING_PHONE, text_pl="SPV tel", text_en="SPV phone"
    )
    InvestmentFactory(name="Osiedle Akacjowa", code="akacjowa", controller=spv)

    page = browser_of(None).get(
        reverse("intake_form", args=[website.slug]) + "?investment=akacjowa"
    )

    assert "Akacjowa SPV Sp. z o.o." in page.text and "SPV phone" in page.text
    assert '<option value="akacjowa" selected>' in page.text


def test_tying_an_inquiry_to_its_client_on_the_lead_form_gives_that_client_its_consents(
    advisor, clauses
):
    inquiry = LeadFactory(branch=advisor.branch, employees=[advisor], contact_phone="+48600100200")
    consents_record_given(
        person=Person(lead=inquiry),
        given=[Given(Kind.MARKETING_EMAIL, clauses[Kind.MARKETING_EMAIL])],
        source=Source.PUBLIC_FORM,
        explicit=True,
    )
    colleague = ClientFactory(phone="601 999 999", branch=advisor.branch)
    ewa = ClientFactory(phone="600 100 200", branch=advisor.branch)

    lead_update(
        lead=inquiry,
        user=advisor,
        data={
            "name": inquiry.name,
            "source": inquiry.source,
            "clients": [colleague, ewa],
            "contractors": [],
            "investments": [],
            "employees": [advisor],
        },
        expected_updated_at=inquiry.updated_at,
    )

    # The client with the inquiry's phone, not the first one chosen.
    assert ewa.consent_states.get(kind=Kind.MARKETING_EMAIL).granted
    assert not colleague.consent_events.exists()
