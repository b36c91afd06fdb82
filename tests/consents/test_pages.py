"""Where a user sees and changes a person's consents: the panel on the client and lead
pages, the history, recording a consent given to an employee (with a scanned document),
withdrawing one in two clicks, an objection to marketing and its notice on a later
inquiry; and who may do it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consents.models import Action, ConsentEvent, ConsentState, Kind, Source, Suppression
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import consent_record, objection_record
from tests.factories import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def clauses():
    return clauses_offered(controller_default())


@pytest.fixture
def ela(advisor):
    return ClientFactory(
        first_name="Elżbieta", last_name="Turza", email="turza@example.pl",
        phone="600 100 200", branch=advisor.branch, caretaker=advisor,
    )  # fmt: skip


@pytest.fixture
def lead(advisor, ela):
    return LeadFactory(branch=advisor.branch, employees=[advisor], clients=[ela])


@pytest.fixture
def inquiry(advisor):
    """An inquiry from the public form, without a client yet."""
    return LeadFactory(
        branch=advisor.branch, employees=[advisor], contact_first_name="Jan",
        contact_last_name="Nowak", contact_email="jan@example.pl", contact_phone="601 200 300",
    )  # fmt: skip


def give(person, kind, clauses, **kwargs):
    return consent_record(
        person=person, kind=kind, action=Action.GIVEN, clause=clauses[kind],
        source=kwargs.pop("source", Source.PUBLIC_FORM), **kwargs,
    )  # fmt: skip


def line(text: str, person: str, kind: Kind) -> str:
    """The text of one consent line on a page."""
    purpose, channel = kind.value.split(":")
    match = re.search(
        rf'id="consent-{person}-{purpose}-{channel}"[^>]*>\s*'
        r'<span class="consents__state">(.*?)</span>',
        text,
        re.S,
    )
    assert match, f"no line {kind} of {person}"
    return " ".join(match.group(1).split())


def test_the_advisor_sees_email_yes_and_phone_no_on_the_client_page(web, ela, clauses):
    give(Person(client=ela), Kind.MARKETING_EMAIL, clauses)
    text = web.get(ela.get_absolute_url()).text
    email = line(text, f"client-{ela.pk}", Kind.MARKETING_EMAIL)
    assert email.startswith("yes (given") and "Public form" in email and "clause v1" in email
    assert line(text, f"client-{ela.pk}", Kind.MARKETING_PHONE) == "no"


def test_handling_the_inquiry_reads_as_a_basis_not_a_consent(web, ela, clauses):
    give(Person(client=ela), Kind.INQUIRY, clauses)
    text = web.get(ela.get_absolute_url()).text
    basis = line(text, f"client-{ela.pk}", Kind.INQUIRY)
    assert basis.startswith("basis recorded") and "(no consent needed)" in basis


def test_the_lead_page_shows_each_clients_panel(web, lead, ela, advisor, clauses):
    other = ClientFactory(first_name="Adam", last_name="Turza", branch=advisor.branch)
    lead.clients.add(other)
    give(Person(client=other), Kind.MARKETING_PHONE, clauses)
    text = web.get(lead.get_absolute_url()).text
    assert "Consents: Elżbieta Turza" in text and "Consents: Adam Turza" in text
    assert line(text, f"client-{ela.pk}", Kind.MARKETING_PHONE) == "no"
    assert line(text, f"client-{other.pk}", Kind.MARKETING_PHONE).startswith("yes (given")


def test_the_lead_page_of_an_inquiry_without_client_shows_its_contacts_consents(
    web, inquiry, clauses
):
    give(Person(lead=inquiry), Kind.MARKETING_EMAIL, clauses)
    text = web.get(inquiry.get_absolute_url()).text
    assert line(text, f"lead-{inquiry.pk}", Kind.MARKETING_EMAIL).startswith("yes (given")
    assert line(text, f"lead-{inquiry.pk}", Kind.MARKETING_SMS) == "no"


def test_withdrawal_takes_two_clicks_and_shows_withdrawn(web, lead, ela, clauses):
    give(Person(client=ela), Kind.MARKETING_PHONE, clauses)
    page = web.get(lead.get_absolute_url()).text
    # Click 1 opens the confirmation (a <details>), click 2 posts it.
    form = re.search(
        r'<summary class="button button--danger button--small">Withdraw</summary>\s*'
        r'<form method="post" action="([^"]+)">',
        page,
    )
    assert form and form.group(1) == reverse("privacy:consent_withdraw", args=["client", ela.pk])
    response = web.post(
        form.group(1), {"kind": Kind.MARKETING_PHONE, "next": lead.get_absolute_url()}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{lead.get_absolute_url()}#consents"
    event = ConsentEvent.objects.get(client=ela, action=Action.WITHDRAWN)
    assert event.source == Source.EMPLOYEE and event.recorded_by.username == "doradca"
    text = web.get(lead.get_absolute_url()).text
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert line(text, f"client-{ela.pk}", Kind.MARKETING_PHONE) == f"withdrawn {today}"
    assert "The consent “Marketing by phone call” is withdrawn." in text


def test_the_handling_of_the_inquiry_cannot_be_withdrawn(web, ela):
    url = reverse("privacy:consent_withdraw", args=["client", ela.pk])
    response = web.post(url, {"kind": Kind.INQUIRY}, follow=True)
    assert "Choose the consent to withdraw." in response.text
    assert not ConsentEvent.objects.exists()


def test_an_objection_is_noticed_on_a_later_inquirys_lead(web, advisor, ela, lead, clauses):
    give(Person(client=ela), Kind.MARKETING_EMAIL, clauses)
    url = reverse("privacy:consent_object", args=["client", ela.pk])
    response = web.post(url, {"note": "Dzwoniła: nie chce ofert", "next": ela.get_absolute_url()})
    assert response.status_code == 302
    assert Suppression.objects.count() == 2  # her phone and her email
    assert not ConsentState.objects.filter(client=ela, granted=True).exists()
    # A month later she writes again through the form, as a new inquiry.
    later = LeadFactory(
        branch=advisor.branch, employees=[advisor], contact_email="TURZA@example.pl"
    )
    text = web.get(later.get_absolute_url()).text
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert f"Objected to marketing on {today}" in text
    assert f"Objected to marketing on {today}" in web.get(ela.get_absolute_url()).text


def test_the_employee_records_a_consent_with_a_scanned_document(web, lead, ela, clauses):
    url = reverse("privacy:consent_give", args=["client", ela.pk])
    form = web.get(url, {"next": lead.get_absolute_url()})
    assert form.status_code == 200 and "Clause version" in form.text
    scan = SimpleUploadedFile("zgoda.pdf", PDF_BYTES, content_type="application/pdf")
    yesterday = timezone.localdate() - timedelta(days=1)
    response = web.post(
        url,
        {
            "kind": Kind.MARKETING_SMS, "clause": clauses[Kind.MARKETING_SMS].pk,
            "given_on": yesterday.isoformat(), "note": "Podpisała w biurze",
            "document": scan, "next": lead.get_absolute_url(),
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"{lead.get_absolute_url()}#consents"
    event = ConsentEvent.objects.get(client=ela, kind=Kind.MARKETING_SMS)
    assert event.source == Source.EMPLOYEE and event.note == "Podpisała w biurze"
    assert timezone.localtime(event.at).date() == yesterday
    # The history shows it with its clause text, and the document downloads.
    history = web.get(reverse("privacy:consent_history", args=["client", ela.pk])).text
    assert clauses[Kind.MARKETING_SMS].text_en.split()[0] in history
    assert "Podpisała w biurze" in history and "Anna Wiśniewska" in history
    download = web.get(reverse("privacy:consent_document", args=[event.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert "zgoda.pdf" in download["Content-Disposition"]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"given_on": "2999-01-01"}, "given_on", "A consent cannot be dated in the future."),
        ({"kind": Kind.MARKETING_PHONE}, "clause", "This clause is for another purpose"),
        ({"kind": "marketing:fax"}, "kind", "Select a valid choice"),
        ({"clause": "abc"}, "clause", "Choose one of the controller"),
        ({"document": "exe"}, "document", "A scanned consent is a PDF or an image"),
    ],
)
def test_a_wrong_consent_is_refused_next_to_its_field(web, ela, clauses, changes, field, message):
    data = {
        "kind": Kind.MARKETING_EMAIL, "clause": clauses[Kind.MARKETING_EMAIL].pk,
        "given_on": timezone.localdate().isoformat(),
    }  # fmt: skip
    if changes.pop("document", None):
        data["document"] = SimpleUploadedFile("zgoda.pdf", b"MZ\x90\x00program")
    data.update(changes)
    response = web.post(reverse("privacy:consent_give", args=["client", ela.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].has_error(field)
    assert message in response.text
    assert not ConsentEvent.objects.exists()


def test_a_person_who_objected_gets_a_marketing_consent_only_explicitly(web, ela, advisor, clauses):
    objection_record(person=Person(client=ela), user=advisor)
    url = reverse("privacy:consent_give", args=["client", ela.pk])
    data = {
        "kind": Kind.MARKETING_EMAIL, "clause": clauses[Kind.MARKETING_EMAIL].pk,
        "given_on": timezone.localdate().isoformat(),
    }  # fmt: skip
    refused = web.post(url, data)
    assert refused.status_code == 400
    assert "The person objected to marketing on" in refused.text
    assert web.post(url, {**data, "explicit": "on"}).status_code == 302
    assert ConsentState.objects.get(client=ela, kind=Kind.MARKETING_EMAIL).granted
    assert not Suppression.objects.exists()


def test_an_outside_next_is_not_followed(web, ela, clauses):
    give(Person(client=ela), Kind.MARKETING_PHONE, clauses)
    url = reverse("privacy:consent_withdraw", args=["client", ela.pk])
    response = web.post(url, {"kind": Kind.MARKETING_PHONE, "next": "https://evil.example/"})
    assert response["Location"] == f"{ela.get_absolute_url()}#consents"


def person_urls(ela, inquiry, event):
    return [
        ("get", reverse("privacy:consent_give", args=["client", ela.pk])),
        ("post", reverse("privacy:consent_give", args=["client", ela.pk])),
        ("post", reverse("privacy:consent_withdraw", args=["client", ela.pk])),
        ("post", reverse("privacy:consent_object", args=["client", ela.pk])),
        ("get", reverse("privacy:consent_history", args=["client", ela.pk])),
        ("get", reverse("privacy:consent_give", args=["lead", inquiry.pk])),
        ("post", reverse("privacy:consent_withdraw", args=["lead", inquiry.pk])),
        ("post", reverse("privacy:consent_object", args=["lead", inquiry.pk])),
        ("get", reverse("privacy:consent_history", args=["lead", inquiry.pk])),
        ("get", reverse("privacy:consent_document", args=[event.pk])),
    ]


@pytest.mark.parametrize("actor", ["outsider", "teammate", "other_manager"])
def test_who_may_not_see_the_person_gets_404_everywhere(
    client, request, ela, inquiry, advisor, clauses, actor
):
    event = give(
        Person(client=ela), Kind.MARKETING_EMAIL, clauses,
        document=SimpleUploadedFile("zgoda.pdf", PDF_BYTES),
    )  # fmt: skip
    client.force_login(request.getfixturevalue(actor))
    for method, url in person_urls(ela, inquiry, event):
        data = {"kind": Kind.MARKETING_EMAIL} if method == "post" else {}
        assert getattr(client, method)(url, data).status_code == 404, url
    assert ConsentEvent.objects.count() == 1
    assert not Suppression.objects.exists()


def test_a_lead_with_clients_has_no_consents_of_its_own(web, lead):
    url = reverse("privacy:consent_give", args=["lead", lead.pk])
    assert web.get(url).status_code == 404


def test_the_manager_of_the_branch_may_record_consents(client, manager, ela, clauses):
    give(Person(client=ela), Kind.MARKETING_EMAIL, clauses)
    client.force_login(manager)
    url = reverse("privacy:consent_withdraw", args=["client", ela.pk])
    assert client.post(url, {"kind": Kind.MARKETING_EMAIL}).status_code == 302


@pytest.mark.parametrize("name", ["consent_withdraw", "consent_object"])
def test_actions_that_change_consents_answer_get_with_405(web, ela, name):
    assert web.get(reverse(f"privacy:{name}", args=["client", ela.pk])).status_code == 405


def test_an_unknown_kind_of_person_is_404(web, ela):
    assert web.get(f"/privacy/consents/contractor/{ela.pk}/history/").status_code == 404


def test_the_history_lists_every_event_with_who_recorded_it(web, ela, advisor, clauses):
    evidence = {"url": "https://x.pl/", "ip": "203.0.113.7", "form_step": "2"}
    give(Person(client=ela), Kind.MARKETING_EMAIL, clauses, evidence=evidence)
    objection_record(person=Person(client=ela), user=advisor)
    text = web.get(reverse("privacy:consent_history", args=["client", ela.pk])).text
    assert text.count('data-action="objected"') == 5  # every marketing kind
    assert text.count('data-action="given"') == 1
    assert "https://x.pl/" in text and "Anna Wiśniewska" in text
    # The evidence's names in words; one the page does not know, as it is.
    assert "<dt>Form address</dt>" in text and "<dt>IP address</dt>" in text
    assert "<dt>form step</dt>" in text


def test_the_client_page_pays_the_same_queries_for_one_consent_or_many(
    client, advisor, ela, clauses
):
    client.force_login(advisor)
    counts = []
    for kinds in ([Kind.MARKETING_EMAIL], [Kind.MARKETING_PHONE, Kind.MARKETING_SMS]):
        for kind in kinds:
            give(Person(client=ela), kind, clauses, user=advisor)
        with CaptureQueriesContext(connection) as queries:
            client.get(ela.get_absolute_url())
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_history_page_takes_a_fixed_number_of_queries(
    web, ela, advisor, clauses, django_assert_num_queries
):
    for kind in (Kind.MARKETING_EMAIL, Kind.MARKETING_PHONE, Kind.MARKETING_SMS):
        give(Person(client=ela), kind, clauses, user=advisor)
    # Session, user, the client, the events with their clauses, controllers and recorders,
    # the objections.
    with django_assert_num_queries(5):
        web.get(reverse("privacy:consent_history", args=["client", ela.pk]))
