"""A person asks what Lejek holds about them (RODO art. 15) and for a copy they can take
elsewhere (art. 20). A manager exports it from the client's page, or from an inquiry's page
while the inquiry has no client: one ZIP with person.json (every field), podsumowanie.html
(a summary in the user's language) and the documents' files; the export is logged.

Zofia's data went through every path: the intake (with the raw payload), the conversion to
a client, a conversation, an offer, a reservation, a note with a file, a contract, a survey,
and consents given with their evidence and then an objection to marketing."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consents.models import Action, Kind, Source
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import consent_record, objection_record
from intake.models import ChannelAccount, ChannelKind, Outcome, RawMessage
from intake.payload import read_intake_payload
from intake.services.raw import raw_store
from leads.models import AssignmentRule, Lead, SurveyTemplate
from leads.services.conversations import conversation_log
from leads.services.documents import note_create
from leads.services.intake import lead_receive
from leads.services.offers import offer_create
from leads.services.sales import reservation_create
from leads.services.surveys import survey_response_create
from leads.services.verification import lead_convert_to_client
from privacy.models import PrivacyAction, PrivacyLog
from privacy.selectors.export import person_data
from privacy.selectors.intake import RAW_BODY_LIMIT
from tests.factories import ClientFactory, LeadFactory, UnitFactory, source, win

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
PESEL = "44051401359"
INQUIRY = {
    "first_name": "Zofia",
    "last_name": "Przybylska",
    "email": "zofia.przybylska@example.pl",
    "phone": "601 222 333",
    "message": "Szukam mieszkania z ogródkiem na Jeżycach",
    "utm_source": "facebook",
    "utm_campaign": "wiosna-ogrodki",
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def login(user, language: str = "en") -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE=language) if language else HttpClient()
    http.force_login(user)
    return http


def receive(body: dict) -> Lead:
    payload = read_intake_payload(body)
    assert payload.is_valid, payload.errors
    return lead_receive(source=source("www"), data=payload.data, raw_payload=body).lead


@pytest.fixture
def zofia(advisor, media):
    """Zofia's client, after her whole story in Lejek."""
    rule = AssignmentRule.objects.create(name="Wszyscy")
    rule.pool.set([advisor])
    lead = receive({**INQUIRY, "external_id": "www-zofia-1"})
    client = lead_convert_to_client(
        lead=lead,
        user=advisor,
        data={**{k: INQUIRY[k] for k in ("first_name", "last_name", "email")}, "pesel": PESEL},
    )
    lead.refresh_from_db()
    conversation_log(
        lead=lead,
        user=advisor,
        kind="phone",
        done_at=timezone.now(),
        notes="Pani Zofia pyta o ogródek od strony południowej",
        client=client,
    )
    offered, reserved, sold = (UnitFactory(number=n) for n in ("A1", "A2", "A3"))
    lead.investments.add(offered.investment, reserved.investment, sold.investment)
    offer_create(
        lead=lead,
        client=client,
        items=[(offered, Decimal("499000.00"))],
        valid_until=timezone.localdate(),
        channel="email",
        notes="Rabat dla Pani Zofii za szybką decyzję",
        user=advisor,
    )
    reservation_create(lead=lead, unit=reserved, user=advisor, client=client, fee=Decimal("5000"))
    note_create(
        lead=lead,
        text="Pani Zofia przysłała skan dowodu",
        upload=SimpleUploadedFile("skan-zofii.pdf", PDF, content_type="application/pdf"),
        user=advisor,
    )
    template = SurveyTemplate.objects.get(is_default=True)
    given = {"Budżet (PLN)": 650000, "Liczba pokoi": "3", "Finansowanie": "Kredyt hipoteczny"}
    answers = {q.pk: given[q.text] for q in template.questions.filter(text__in=given)}
    survey_response_create(lead=lead, template=template, answers=answers, user=advisor)
    win(lead, advisor, unit=sold, clients=[client], number="UD/2026/ZOFIA")
    clause = clauses_offered(controller_default())[Kind.MARKETING_EMAIL]
    consent_record(
        person=Person(client=client),
        kind=Kind.MARKETING_EMAIL,
        action=Action.GIVEN,
        source=Source.PUBLIC_FORM,
        clause=clause,
        evidence={"url": "https://www.example.pl/kontakt", "ip": "203.0.113.7"},
    )
    consent_record(
        person=Person(client=client),
        kind=Kind.MARKETING_PHONE,
        action=Action.GIVEN,
        source=Source.EMPLOYEE,
        clause=clauses_offered(controller_default())[Kind.MARKETING_PHONE],
        document=SimpleUploadedFile("zgoda-zofii.pdf", PDF, content_type="application/pdf"),
        user=advisor,
    )
    objection_record(person=Person(client=client), user=advisor, note="Zofia zadzwoniła")
    return client


def export_client(user, client, **kwargs):
    return login(user, **kwargs).post(reverse("privacy:client_export", args=[client.pk]))


def archive_of(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_a_manager_exports_everything_held_about_a_client_and_the_export_is_logged(manager, zofia):
    response = export_client(manager, zofia)

    assert "attachment" in response["Content-Disposition"]
    assert f"klient-{zofia.pk}" in response["Content-Disposition"]
    archive = archive_of(response)
    data = json.loads(archive.read("person.json"))
    assert data["person"] == {"kind": "client", "client_id": zofia.pk}
    assert data["client"]["pesel"] == PESEL
    assert data["client"]["email"] == INQUIRY["email"]
    [lead] = data["leads"]
    assert lead["raw_payload"]["message"] == INQUIRY["message"]
    assert lead["message"] == INQUIRY["message"]
    assert lead["contact_phone"] == "+48601222333"  # as the intake normalised it
    assert lead["utm_campaign"] == "wiosna-ogrodki"
    assert [c["name"] for c in lead["clients"]] == ["Zofia Przybylska"]
    assert "ogródek od strony południowej" in json.dumps(lead["conversations"], ensure_ascii=False)
    [offer] = lead["offers"]
    assert offer["notes"] == "Rabat dla Pani Zofii za szybką decyzję"
    assert offer["items"][0]["price"] == "499000.00"
    assert lead["reservations"][0]["fee"] == "5000.00"
    assert lead["contracts"][0]["number"] == "UD/2026/ZOFIA"
    assert lead["contracts"][0]["clients"] == [{"id": zofia.pk, "name": "Zofia Przybylska"}]
    assert lead["notes"][0]["text"] == "Pani Zofia przysłała skan dowodu"
    [document] = lead["documents"]
    assert document["original_name"] == "skan-zofii.pdf"
    # The file itself is in the archive, where the JSON says.
    assert archive.read(document["file_in_archive"]) == PDF
    answers = lead["surveys"][0]["answers"]
    assert {"question": "Finansowanie", "answer": "Kredyt hipoteczny"} in answers
    given = [e for e in data["consent_events"] if e["action"] == "given"]
    assert any(e["evidence"] == {"url": "https://www.example.pl/kontakt", "ip": "203.0.113.7"}
               for e in given)  # fmt: skip
    clause = next(e["clause"] for e in given if e["kind"] == "marketing:email")
    assert clause["text_pl"] and clause["version"] == 1 and clause["controller"]["name"]
    assert any(e["action"] == "objected" and e["note"] == "Zofia zadzwoniła"
               for e in data["consent_events"])  # fmt: skip
    assert data["objection_to_marketing"]["objected_at"]
    # The scanned consent is in the archive too.
    scanned = next(e for e in data["consent_events"] if e["kind"] == "marketing:phone")
    assert scanned["file_in_archive"].startswith("zgody/")
    assert archive.read(scanned["file_in_archive"]) == PDF
    history = data["history"]
    for kind in ("client", "lead", "conversation", "offer", "reservation", "contract", "note"):
        assert history[kind], kind
    assert history["client"][0]["pesel"] == PESEL

    log = PrivacyLog.objects.get()
    assert (log.action, log.client_id, log.lead_id, log.user) == (
        PrivacyAction.EXPORT, zofia.pk, None, manager,
    )  # fmt: skip
    assert log.details["leads"] == 1 and log.details["files"] == 2
    assert "Zofia" not in json.dumps(log.details)


def test_the_summary_opens_in_polish_by_default_and_names_the_person(manager, zofia):
    archive = archive_of(export_client(manager, zofia, language=""))

    html = archive.read("podsumowanie.html").decode()
    assert html.startswith("<!doctype html>")
    assert '<html lang="pl">' in html
    assert '<h1 id="person-name">Zofia Przybylska</h1>' in html
    assert PESEL in html
    assert INQUIRY["message"] in html
    assert "Pani Zofia przysłała skan dowodu" in html
    assert "UD/2026/ZOFIA" in html
    assert "203.0.113.7" in html
    # Nothing fetched from elsewhere: it opens without Lejek or the internet.
    assert "<link" not in html and "<script" not in html and "http://" not in html


def test_the_summary_follows_the_users_language(manager, zofia):
    html = archive_of(export_client(manager, zofia)).read("podsumowanie.html").decode()

    assert '<html lang="en">' in html
    assert "Conversations" in html and "History of changes" in html


def test_opening_the_export_shows_what_it_holds_and_exports_nothing(manager, zofia):
    url = reverse("privacy:client_export", args=[zofia.pk])
    response = login(manager).get(url)

    assert response.status_code == 200
    assert b'id="privacy-export-start"' in response.content
    assert b"person.json" in response.content
    assert PrivacyLog.objects.count() == 0


def test_an_advisor_without_the_permission_cannot_export_their_own_client(advisor, zofia):
    http = login(advisor)
    url = reverse("privacy:client_export", args=[zofia.pk])

    assert http.get(url).status_code == 403
    response = http.post(url)
    assert response.status_code == 403
    assert b"privacy-export-forbidden" in response.content
    assert PrivacyLog.objects.count() == 0


def test_a_manager_of_another_branch_gets_404(other_manager, zofia):
    lead = zofia.leads.get()
    http = login(other_manager)

    assert http.post(reverse("privacy:client_export", args=[zofia.pk])).status_code == 404
    assert http.post(reverse("privacy:lead_export", args=[lead.pk])).status_code == 404
    assert http.get(reverse("privacy:client_export", args=[zofia.pk])).status_code == 404
    assert PrivacyLog.objects.count() == 0


def test_an_inquiry_without_a_client_is_exported_as_its_contact(manager, advisor, media):
    lead = LeadFactory(
        name="Zapytanie ze strony",
        branch=advisor.branch,
        employees=[advisor],
        contact_first_name="Bożena",
        contact_last_name="Kwiatkowska",
        contact_email="bozena.k@example.pl",
        message="Proszę o kontakt po 17",
        raw_payload={"imie": "Bożena", "wiadomosc": "Proszę o kontakt po 17"},
    )
    response = login(manager).post(reverse("privacy:lead_export", args=[lead.pk]))

    archive = archive_of(response)
    data = json.loads(archive.read("person.json"))
    assert data["person"] == {"kind": "inquiry_contact", "lead_id": lead.pk}
    assert data["client"] is None
    assert data["leads"][0]["raw_payload"]["imie"] == "Bożena"
    html = archive.read("podsumowanie.html").decode()
    assert '<h1 id="person-name">Bożena Kwiatkowska</h1>' in html
    log = PrivacyLog.objects.get()
    assert (log.client_id, log.lead_id, log.user) == (None, lead.pk, manager)


def test_a_long_email_is_exported_as_its_first_characters(manager, advisor, media):
    lead = LeadFactory(branch=advisor.branch, employees=[advisor], contact_email="b.k@example.pl")
    mailbox = ChannelAccount.objects.create(
        name="Biuro", kind=ChannelKind.MAILBOX, source=source("www")
    )
    body = ("Subject: Zapytanie\r\n\r\nProszę o ofertę.\r\n" + "A" * 30_000).encode()
    raw, _new = raw_store(account=mailbox, external_id="<dlugi@x>", body=body, sender="b.k@x.pl")
    RawMessage.objects.filter(pk=raw.pk).update(outcome=Outcome.CREATED, lead=lead)

    archive = archive_of(login(manager).post(reverse("privacy:lead_export", args=[lead.pk])))

    [entry] = json.loads(archive.read("person.json"))["raw_messages"]
    assert entry["body"].startswith("Subject: Zapytanie\r\n\r\nProszę o ofertę.")
    assert (len(entry["body"]), entry["body_bytes"], entry["body_truncated"]) == (
        RAW_BODY_LIMIT, len(body), True
    )  # fmt: skip
    html = archive.read("podsumowanie.html").decode()
    assert f"The first {RAW_BODY_LIMIT} characters of {len(body)} bytes" in html
    assert "Proszę o ofertę." in html


def test_an_inquiry_with_a_client_points_to_the_clients_export(manager, zofia):
    lead = zofia.leads.get()
    url = reverse("privacy:lead_export", args=[lead.pk])
    http = login(manager)

    page = http.get(url)
    assert page.status_code == 200
    assert reverse("privacy:client_export", args=[zofia.pk]).encode() in page.content
    assert b"privacy-export-start" not in page.content
    assert http.post(url).status_code == 302
    assert PrivacyLog.objects.count() == 0


def test_other_methods_are_refused(manager, zofia):
    response = login(manager).put(reverse("privacy:client_export", args=[zofia.pk]))
    assert response.status_code == 405


def test_the_pages_offer_the_export_to_those_who_may(manager, advisor, zofia):
    lead = zofia.leads.get()
    inquiry = LeadFactory(branch=advisor.branch, employees=[advisor], contact_phone="600100200")
    client_export = reverse("privacy:client_export", args=[zofia.pk]).encode()

    page = login(manager).get(zofia.get_absolute_url())
    assert b'id="person-actions"' in page.content and client_export in page.content
    # An inquiry with a client is exported as the client; one without, as its contact.
    assert client_export in login(manager).get(lead.get_absolute_url()).content
    page = login(manager).get(inquiry.get_absolute_url())
    assert reverse("privacy:lead_export", args=[inquiry.pk]).encode() in page.content

    assert b'id="person-actions"' not in login(advisor).get(zofia.get_absolute_url()).content
    assert b'id="person-actions"' not in login(advisor).get(lead.get_absolute_url()).content


def client_with_leads(advisor, count: int):
    """A client with `count` leads, each with a conversation, an offer, a note with a file
    and a consent event."""
    client = ClientFactory(branch=advisor.branch, caretaker=advisor, phone="601222333")
    clause = clauses_offered(controller_default())[Kind.MARKETING_SMS]
    for number in range(count):
        lead = LeadFactory(
            branch=advisor.branch, employees=[advisor], clients=[client], contact_phone="601222333"
        )
        unit = UnitFactory()
        lead.investments.add(unit.investment)
        now = timezone.now()
        conversation_log(lead=lead, user=advisor, kind="phone", done_at=now, notes=f"R{number}")
        offer_create(
            lead=lead, client=client, items=[(unit, Decimal("400000"))],
            valid_until=timezone.localdate(), channel="", notes="", user=advisor,
        )  # fmt: skip
        upload = SimpleUploadedFile(f"plik{number}.pdf", PDF, content_type="application/pdf")
        note_create(lead=lead, text=f"Notatka {number}", upload=upload, user=advisor)
        consent_record(
            person=Person(client=client, lead=lead), kind=Kind.MARKETING_SMS,
            action=Action.GIVEN, source=Source.EMPLOYEE, clause=clause, user=advisor,
        )  # fmt: skip
    return client


def test_the_reads_do_not_grow_with_the_leads(advisor, media):
    one, three = client_with_leads(advisor, 1), client_with_leads(advisor, 3)

    with CaptureQueriesContext(connection) as for_one:
        person_data(client=one)
    with CaptureQueriesContext(connection) as for_three:
        data = person_data(client=three)
    assert len(data.leads) == 3
    assert len(for_three) == len(for_one) <= 30


def test_the_export_of_a_client_with_several_leads_takes_a_fixed_number_of_queries(
    manager, advisor, media, django_assert_max_num_queries
):
    client = client_with_leads(advisor, 3)
    http = login(manager)

    with django_assert_max_num_queries(40):
        response = http.post(reverse("privacy:client_export", args=[client.pk]))
    archive = archive_of(response)
    assert len([n for n in archive.namelist() if n.startswith("dokumenty/")]) == 3
