"""Erasure (RODO art. 17): an administrator anonymises a person whose data went through
every path of Lejek, and a dump of the whole database no longer holds any of their
strings; their files are gone; the reports count the same; a contract still under its
legal hold keeps what the law needs; the pages and their permissions."""

from __future__ import annotations

import base64
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.services import source_rotate_intake_token
from consents.models import Action, ConsentEvent, Kind, Source, Suppression
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import consent_record, objection_record
from crm.core.models import BackgroundJob
from intake.models import ChannelAccount, ChannelKind, Outcome, RawMessage, TelegramChat
from intake.services.raw import raw_process, raw_store
from leads.models import (
    Activity,
    AssignmentRule,
    Contract,
    Document,
    ImportBatch,
    Lead,
    Note,
    Offer,
)
from leads.services.conversations import conversation_log
from leads.services.documents import note_create
from leads.services.offers import offer_create
from leads.services.verification import lead_convert_to_client
from privacy.models import PrivacyAction, PrivacyLog
from privacy.services.anonymisation import person_anonymise
from settings_app.models import CRMSettings
from tests.factories import ClientFactory, LeadFactory, UnitFactory, source, win

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"

# The person's distinctive strings: none may be left anywhere after the erasure.
FIRST, LAST = "Bożydar", "Brzęczyszczykiewicz"
EMAIL = "bozydar.b@przyklad.pl"
PHONE = "601 234 567"
PESEL = "44051401359"
MESSAGE_WORD = "Szczebrzeszyn"
NOTE_WORD = "Chrząszczyk"
STRINGS = [FIRST, LAST, EMAIL, "601234567", PHONE, "601-234-567", PESEL, MESSAGE_WORD, NOTE_WORD]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def browser(user) -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(user)
    return http


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    rows = json.loads(out.getvalue())
    # The raw log keeps an email or a webhook's body as bytes, which the dump gives in
    # base64: compare its text.
    for row in rows:
        if row["model"] == "intake.rawmessage":
            body = base64.b64decode(row["fields"]["body"])
            row["fields"]["body"] = body.decode("utf-8", errors="replace")
    # Whatever the serializer escapes, compare the text itself.
    return json.dumps(rows, ensure_ascii=False).lower()


def sales_mailbox() -> ChannelAccount:
    account, _new = ChannelAccount.objects.get_or_create(
        name="Biuro sprzedaży",
        defaults={"kind": ChannelKind.MAILBOX, "source": source("www"), "host": "127.0.0.1"},
    )
    return account


def email_arrives(message_id: str, *, subject: str, text: str, headers: str = "") -> RawMessage:
    """An email from the person, as the mailbox poll stores and processes it."""
    eml = (
        f"Message-ID: {message_id}\r\n"
        "From: =?utf-8?q?Bo=C5=BCydar_Brz=C4=99czyszczykiewicz?= <bozydar.b@przyklad.pl>\r\n"
        "To: biuro@deweloper.pl\r\n"
        f"Subject: {subject}\r\n"
        "Date: Mon, 02 Mar 2026 09:15:00 +0100\r\n"
        f"{headers}"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"{text}\r\n"
    ).encode()
    raw, _new = raw_store(
        account=sales_mailbox(),
        external_id=message_id,
        body=eml,
        sender=f"{FIRST} {LAST} <{EMAIL}>",
        subject=subject,
    )
    processed, _retry = raw_process(raw.pk)
    return processed


def logged(external_id: str, *, sender: str, text: str, lead: Lead | None = None) -> RawMessage:
    """An entry of the raw log as its channel left it: a lead's, or junk."""
    raw, _new = raw_store(
        account=sales_mailbox(), external_id=external_id, body=text.encode(), sender=sender
    )
    outcome = Outcome.CREATED if lead is not None else Outcome.JUNK
    RawMessage.objects.filter(pk=raw.pk).update(outcome=outcome, lead=lead)
    raw.refresh_from_db()
    return raw


def telegram_chat_opens(lead: Lead) -> RawMessage:
    """The person writes to the office's Telegram bot and shares their phone: the chat is
    their lead's."""
    bot = ChannelAccount.objects.create(
        name="Bot biura", kind=ChannelKind.TELEGRAM, source=source("www"), external_id="biuro"
    )
    update = {
        "update_id": 5001,
        "message": {
            "message_id": 1,
            "date": 1772440000,
            "from": {"id": 777001, "is_bot": False, "first_name": FIRST, "last_name": LAST},
            "chat": {"id": 777001, "type": "private", "first_name": FIRST, "last_name": LAST},
            "contact": {"phone_number": "48601234567", "first_name": FIRST, "user_id": 777001},
        },
    }
    raw, _new = raw_store(
        account=bot,
        external_id="777001:5001",
        body=json.dumps(update, ensure_ascii=False).encode(),
        sender=f"{FIRST} (777001)",
    )
    processed, _retry = raw_process(raw.pk)
    return processed


def report_figures(manager) -> dict:
    """What the sources and funnel reports show the manager, as plain values."""
    http = browser(manager)
    period = {"date_from": "2000-01-01", "date_to": timezone.localdate().isoformat()}
    figures = {}
    for name in ("reports:sources", "reports:funnel"):
        response = http.get(reverse(name), period)
        assert response.status_code == 200
        figures[name] = [(str(table.title), table.values()) for table in response.context["tables"]]
    return figures


def received_through_the_api(advisor) -> Lead:
    rule = AssignmentRule.objects.create(name="WWW")
    rule.pool.set([advisor])
    token = source_rotate_intake_token(source=source("www"))
    api = HttpClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {
        "external_id": "www-77",
        "first_name": FIRST,
        "last_name": LAST,
        "email": EMAIL,
        "phone": PHONE,
        "message": f"Szukam mieszkania, obecnie mieszkam w {MESSAGE_WORD}.",
        "utm": {"source": "google", "term": f"{LAST} mieszkanie"},
    }
    response = api.post("/api/intake/leads/", json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 201), response.content
    return Lead.objects.get(external_id="www-77")


def imported_row(manager, capture, tmp_path) -> ImportBatch:
    """An import whose file has the person's row (linked to their client by the phone) and
    a second row of theirs refused for its date."""
    from tests.leads.import_fixtures import post_mapping, post_upload

    csv = (
        "Imię,Nazwisko,E-mail,Telefon,Wiadomość,Data\n"
        f"{FIRST},{LAST},{EMAIL},{PHONE},Import z targów,29.06.2022\n"
        f"{FIRST},{LAST},{EMAIL},601-234-567,Drugi raz,{PESEL}\n"
    ).encode()
    http = browser(manager)
    response = post_upload(http, SimpleUploadedFile("targi.csv", csv))
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("id")
    with capture(execute=True):
        post_mapping(http, batch)
    with capture(execute=True):
        http.post(reverse("leads:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "done" and batch.rows_imported == 1, batch.error
    return batch


@pytest.fixture
def person_everywhere(
    advisor, manager, administrator, media, settings, django_capture_on_commit_callbacks
):
    """The person's data through every path: the intake API, the conversion, a
    conversation, an email to the sales mailbox and a junk one, a Telegram chat, an offer, a
    note with a file, a consent with its scan, a contract whose hold has ended, an import
    and a list export made while they existed."""
    settings.LEJEK_SYNC_EXPORT_LIMIT = 0
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        lead = received_through_the_api(advisor)
    with capture(execute=True):
        client = lead_convert_to_client(
            lead=lead,
            user=advisor,
            data={
                "first_name": FIRST,
                "last_name": LAST,
                "email": EMAIL,
                "phone": PHONE,
                "pesel": PESEL,
                "description": f"Mieszka w {MESSAGE_WORD}, dzwonić po 16.",
            },
        )
    lead.refresh_from_db()
    conversation_log(
        lead=lead,
        user=advisor,
        kind="phone",
        done_at=timezone.now(),
        notes=f"Pan {LAST} pyta o rabat; oddzwonić na 601-234-567.",
        client=client,
    )
    # Then they write to the sales mailbox (a repeat inquiry: a new lead of the client), their
    # auto-reply to the office's answer is junk that made no lead, and they open a chat with
    # the bot sharing their phone (another lead of theirs, the chat's).
    with capture(execute=True):
        emailed = email_arrives(
            "<pytanie-2@przyklad.pl>",
            subject=f"Mieszkanie w {MESSAGE_WORD}",
            text=f"Dzień dobry, tu {FIRST} {LAST}, tel. {PHONE}. Mieszkam w {MESSAGE_WORD}.",
        )
        junk = email_arrives(
            "<auto-1@przyklad.pl>",
            subject="Nieobecność",
            text=f"Jestem poza biurem do 10 marca. {FIRST} {LAST}, tel. {PHONE}",
            headers="Auto-Submitted: auto-replied\r\n",
        )
        chatted = telegram_chat_opens(lead)
    assert (emailed.outcome, emailed.lead.clients.get()) == (Outcome.CREATED, client)
    assert (junk.outcome, junk.lead) == (Outcome.JUNK, None)
    assert (chatted.outcome, chatted.lead.clients.get()) == (Outcome.CREATED, client)
    assert TelegramChat.objects.get().lead == chatted.lead
    unit, sold = UnitFactory(), UnitFactory()
    lead.investments.add(unit.investment, sold.investment)
    offer_create(
        lead=lead,
        client=client,
        items=[(unit, Decimal("480000"))],
        valid_until=timezone.localdate() + timedelta(days=14),
        channel="email",
        notes=f"Dla pana {FIRST} {LAST}, wysłane na {EMAIL}",
        user=advisor,
    )
    note = note_create(
        lead=lead,
        text=f"{NOTE_WORD}: skan dowodu klienta, PESEL {PESEL}",
        upload=SimpleUploadedFile("dowod.pdf", PDF, content_type="application/pdf"),
        user=advisor,
    )
    controller = controller_default()
    consent_record(
        person=Person(client=client),
        kind=Kind.MARKETING_EMAIL,
        action=Action.GIVEN,
        source=Source.PUBLIC_FORM,
        clause=clauses_offered(controller)[Kind.MARKETING_EMAIL],
        evidence={
            "ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0",
            "form_url": f"https://example.pl/formularz?email={EMAIL}",
            "payload": {"first_name": FIRST, "last_name": LAST},
            "request_id": "req-1",
        },
        document=SimpleUploadedFile("zgoda.pdf", PDF, content_type="application/pdf"),
        note=f"Zgoda podpisana przez {FIRST} {LAST}",
        user=advisor,
    )
    # Signed long ago: its legal hold (10 years) has ended.
    win(lead, manager, unit=sold, signed_at=date(2012, 5, 2), clients=[client])
    batch = imported_row(manager, capture, media)
    with capture(execute=True):
        response = browser(manager).post(reverse("leads:export"))
    assert response.status_code == 302
    job = BackgroundJob.objects.get(kind="lead_export")
    assert job.status == "done" and job.file
    files = [
        media / "private" / job.file.name,
        media / "private" / batch.file.name,
        media / note.attachment.file.name,
        media / ConsentEvent.objects.get(client=client, kind=Kind.MARKETING_EMAIL).document.name,
    ]
    assert all(path.is_file() for path in files)
    return {
        "client": client,
        "lead": lead,
        "files": files,
        "batch": batch,
        "raws": [emailed, junk, chatted],
    }


def test_after_the_erasure_the_database_holds_none_of_the_persons_strings(
    person_everywhere, manager, administrator, django_capture_on_commit_callbacks
):
    client = person_everywhere["client"]
    before = dump()
    assert [text for text in STRINGS if text.lower() not in before] == []
    figures = report_figures(manager)
    leads_before = Lead.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        result = person_anonymise(client=client, user=administrator)

    assert result.changed and result.held_until is None
    after = dump()
    assert [text for text in STRINGS if text.lower() in after] == []
    assert not [path for path in person_everywhere["files"] if path.exists()]
    # The rows the reports count stay, with their figures.
    assert Lead.objects.count() == leads_before == 4
    assert report_figures(manager) == figures
    client.refresh_from_db()
    assert client.anonymised_at is not None and client.first_name == "Anonimizowany"
    assert Contract.objects.filter(lead=person_everywhere["lead"]).count() == 1
    assert Offer.objects.get().items.get().price == Decimal("480000")
    assert Activity.objects.filter(lead=person_everywhere["lead"], done_at__isnull=False).exists()
    assert not Document.objects.exists()
    assert Note.objects.get().text == "—"
    event = ConsentEvent.objects.get(client=client, kind=Kind.MARKETING_EMAIL)
    assert (event.kind, event.action, event.evidence) == (
        Kind.MARKETING_EMAIL,
        Action.GIVEN,
        {"request_id": "req-1"},
    )
    assert all(lead.anonymised_at for lead in Lead.objects.all())
    log = PrivacyLog.objects.get(action=PrivacyAction.ANONYMISATION)
    assert (log.client_id, log.user) == (client.pk, administrator)
    assert log.details["leads"] == 4
    assert (log.details["raw_messages"], log.details["telegram_chats"]) == (3, 1)


def test_what_arrived_through_the_channels_keeps_its_outcome_but_not_its_content(
    person_everywhere, administrator
):
    emailed, junk, chatted = person_everywhere["raws"]

    person_anonymise(client=person_everywhere["client"], user=administrator)

    raws = {raw.pk: raw for raw in RawMessage.objects.all()}
    for raw in raws.values():
        assert (bytes(raw.body), raw.headers, raw.sender, raw.subject, raw.attribution) == (
            b"", {}, "", "", {}
        )  # fmt: skip
        assert raw.anonymised_at is not None
    # The channels page counts the same: outcomes and leads stay; a reason is a dash.
    assert [(raws[r.pk].outcome, raws[r.pk].lead_id) for r in (emailed, junk, chatted)] == [
        (Outcome.CREATED, emailed.lead_id), (Outcome.JUNK, None), (Outcome.CREATED, chatted.lead_id)
    ]  # fmt: skip
    assert raws[junk.pk].reason == "—"
    # An email's Message-ID still keeps a second delivery out; a Telegram update's id held
    # the person's chat, and the chat itself is gone.
    assert raws[emailed.pk].external_id == "<pytanie-2@przyklad.pl>"
    assert raws[chatted.pk].external_id == f"anonymised:{chatted.pk}"
    assert not TelegramChat.objects.exists()


def test_the_export_reaches_every_string_the_erasure_removes(person_everywhere, manager):
    """Whatever stores the person's data is reachable by their export: each of their
    strings in the database dump is in the export's document too (the import's refused
    row, which made no lead, included)."""
    from django.core.serializers.json import DjangoJSONEncoder

    from privacy.selectors.export import person_data
    from privacy.services.export import person_json

    data = person_data(client=person_everywhere["client"])
    document = json.dumps(
        person_json(data, user=manager, at=timezone.now(), files={}, missing=set()),
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
    ).lower()

    assert [text for text in STRINGS if text.lower() not in document] == []
    # The file's third line (its second row of data) was refused: its report line is theirs.
    assert [(error.row, PESEL in error.message) for error in data.import_row_errors] == [(3, True)]


def test_the_persons_export_holds_what_arrived_through_the_channels(person_everywhere, manager):
    import zipfile

    from privacy.services.export import person_export

    emailed, junk, chatted = person_everywhere["raws"]

    export = person_export(user=manager, client=person_everywhere["client"])

    archive = zipfile.ZipFile(export.file)
    data = json.loads(archive.read("person.json"))
    raws = {raw["id"]: raw for raw in data["raw_messages"]}
    assert list(raws) == [emailed.pk, junk.pk, chatted.pk]
    assert raws[emailed.pk]["sender"] == f"{FIRST} {LAST} <{EMAIL}>"
    assert raws[emailed.pk]["account"] == "Biuro sprzedaży"
    assert f"Mieszkam w {MESSAGE_WORD}." in raws[emailed.pk]["body"]
    assert raws[emailed.pk]["body_truncated"] is False
    assert (raws[junk.pk]["outcome"], raws[junk.pk]["lead_id"]) == ("junk", None)
    assert raws[chatted.pk]["attribution"]["channel"] == "telegram"
    assert [chat["chat_id"] for chat in data["telegram_chats"]] == [777001]
    html = archive.read("podsumowanie.html").decode()
    assert '<section id="raw_messages">' in html and '<section id="telegram_chats">' in html
    assert "Nieobecność" in html and "Jestem poza biurem do 10 marca" in html
    assert (export.log.details["raw_messages"], export.log.details["telegram_chats"]) == (3, 1)


def test_a_second_anonymisation_changes_nothing(
    person_everywhere, administrator, django_capture_on_commit_callbacks
):
    client = person_everywhere["client"]
    with django_capture_on_commit_callbacks(execute=True):
        person_anonymise(client=client, user=administrator)
    first = dump()

    with django_capture_on_commit_callbacks(execute=True):
        again = person_anonymise(client=client, user=administrator)

    assert not again.changed
    assert dump() == first
    assert PrivacyLog.objects.filter(action=PrivacyAction.ANONYMISATION).count() == 1


def test_an_entry_without_a_lead_is_theirs_only_when_sent_from_their_whole_address(
    advisor, administrator
):
    inquiry = LeadFactory(branch=advisor.branch, contact_last_name=LAST, contact_email=EMAIL)
    theirs = logged("<a@x>", sender=f"{FIRST} <{EMAIL.upper()}>", text="Autoodpowiedź")
    others = [
        logged("<b@x>", sender=f"ania.{EMAIL}", text="Newsletter"),
        logged("<c@x>", sender=f"<{EMAIL}.com>", text="Spam"),
    ]

    person_anonymise(lead=inquiry, user=administrator)

    theirs.refresh_from_db()
    assert (theirs.sender, bytes(theirs.body), theirs.outcome) == ("", b"", Outcome.JUNK)
    for other in others:
        other.refresh_from_db()
        assert other.anonymised_at is None and other.sender.endswith((EMAIL, f"{EMAIL}.com>"))


def test_an_objection_outlives_the_erasure(advisor, administrator):
    client = ClientFactory(first_name=FIRST, last_name=LAST, phone=PHONE, branch=advisor.branch)
    objection_record(person=Person(client=client), user=advisor)
    suppressed = set(Suppression.objects.values_list("digest", flat=True))

    person_anonymise(client=client, user=administrator)

    assert set(Suppression.objects.values_list("digest", flat=True)) == suppressed
    assert ConsentEvent.objects.filter(client=client, action=Action.OBJECTED).exists()


def test_under_a_legal_hold_the_contract_data_stays_and_the_rest_goes(
    advisor, manager, administrator, media, django_capture_on_commit_callbacks
):
    lead = LeadFactory(
        branch=advisor.branch,
        employees=[advisor],
        contact_first_name=FIRST,
        contact_last_name=LAST,
        contact_email=EMAIL,
        message=f"Pozdrawiam z {MESSAGE_WORD}",
    )
    client = lead_convert_to_client(
        lead=lead,
        user=advisor,
        data={"first_name": FIRST, "last_name": LAST, "email": EMAIL, "pesel": PESEL},
    )
    signed = timezone.localdate() - timedelta(days=400)
    contract = win(lead, manager, signed_at=signed, clients=[client], number="U/7/2025")
    note = note_create(
        lead=lead,
        text=f"{NOTE_WORD} — umowa w załączniku",
        upload=SimpleUploadedFile("umowa.pdf", PDF, content_type="application/pdf"),
        user=advisor,
    )
    emailed = logged("<umowa@przyklad.pl>", sender=EMAIL, text=f"Umowa, {PHONE}", lead=lead)

    with django_capture_on_commit_callbacks(execute=True):
        result = person_anonymise(client=client, user=administrator)

    client.refresh_from_db()
    lead.refresh_from_db()
    emailed.refresh_from_db()
    assert result.held_until == signed.replace(year=signed.year + 10)
    # Kept: who the contract is with, the contract and the lead's documents.
    assert (client.first_name, client.last_name, client.pesel) == (FIRST, LAST, PESEL)
    assert Contract.objects.get() == contract and contract.number == "U/7/2025"
    assert (media / note.attachment.file.name).is_file()
    # Gone now: the contact data and the free texts.
    assert (client.email, client.phone, client.anonymised_at is not None) == ("", "", True)
    assert (lead.contact_email, lead.message) == ("", "")
    assert NOTE_WORD.lower() not in Note.objects.get().text.lower()
    # The email the inquiry came by is not contract data: it goes under the hold too.
    assert (bytes(emailed.body), emailed.sender, emailed.lead) == (b"", "", lead)
    hold = PrivacyLog.objects.get(action=PrivacyAction.LEGAL_HOLD)
    assert hold.details["until"] == result.held_until.isoformat()
    # A second call while the hold lasts changes nothing.
    assert not person_anonymise(client=client, user=administrator).changed

    # Once the hold has ended, anonymising again removes the rest.
    CRMSettings.objects.update(legal_hold_years=1)
    with django_capture_on_commit_callbacks(execute=True):
        done = person_anonymise(client=client, user=administrator, reason="retention")
    client.refresh_from_db()
    assert done.changed and done.held_until is None
    assert (client.first_name, client.last_name, client.pesel) == ("Anonimizowany", "", "")
    assert not (media / note.attachment.file.name).exists()
    assert [text for text in STRINGS if text.lower() in dump()] == []


def test_an_inquiry_without_a_client_is_anonymised_alone(advisor, administrator):
    inquiry = LeadFactory(
        name=f"Zapytanie {LAST}",
        branch=advisor.branch,
        contact_first_name=FIRST,
        contact_last_name=LAST,
        contact_phone="+48601234567",
        message=MESSAGE_WORD,
        raw_payload={"phone": PHONE},
    )
    other = LeadFactory(branch=advisor.branch, contact_last_name="Nowak", message="Inna osoba")
    logged("<z-formularza@x>", sender=f"{LAST} (formularz)", text=MESSAGE_WORD, lead=inquiry)
    others = logged("<nowak@x>", sender="Nowak", text="Inna osoba", lead=other)

    person_anonymise(lead=inquiry, user=administrator)

    inquiry.refresh_from_db()
    other.refresh_from_db()
    others.refresh_from_db()
    assert (bytes(others.body), others.sender, others.anonymised_at) == (
        b"Inna osoba", "Nowak", None
    )  # fmt: skip
    assert inquiry.anonymised_at is not None
    assert (inquiry.contact_last_name, inquiry.message, inquiry.raw_payload) == ("", "", {})
    assert inquiry.name == "Zapytanie [\u2026]"
    assert (other.contact_last_name, other.message) == ("Nowak", "Inna osoba")
    assert [text for text in STRINGS if text.lower() in dump()] == []
    assert PrivacyLog.objects.get().lead_id == inquiry.pk


def test_a_lead_shared_with_another_client_keeps_the_other_clients_data(advisor, administrator):
    person = ClientFactory(first_name=FIRST, last_name=LAST, email=EMAIL, branch=advisor.branch)
    spouse = ClientFactory(first_name="Halina", last_name="Nowak", branch=advisor.branch)
    lead = LeadFactory(
        branch=advisor.branch,
        clients=[person, spouse],
        contact_first_name="Halina",
        contact_last_name="Nowak",
        message=f"Kupujemy z mężem ({FIRST} {LAST}) mieszkanie.",
    )
    his = logged("<on@x>", sender=f"{FIRST} {LAST} <{EMAIL}>", text="Pytanie", lead=lead)
    hers = logged("<ona@x>", sender="Halina Nowak <h.nowak@x.pl>", text="Pytam", lead=lead)

    person_anonymise(client=person, user=administrator)

    his.refresh_from_db()
    hers.refresh_from_db()
    assert (his.sender, bytes(his.body)) == ("", b"")
    assert (hers.sender, bytes(hers.body), hers.anonymised_at) == (
        "Halina Nowak <h.nowak@x.pl>", b"Pytam", None
    )  # fmt: skip
    lead.refresh_from_db()
    assert lead.anonymised_at is None
    assert (lead.contact_first_name, lead.contact_last_name) == ("Halina", "Nowak")
    assert lead.message == "Kupujemy z mężem ([…] […]) mieszkanie."


# --- The pages ------------------------------------------------------------------------


@pytest.fixture
def customer(advisor):
    client = ClientFactory(
        first_name=FIRST, last_name=LAST, email=EMAIL, branch=advisor.branch, caretaker=advisor
    )
    LeadFactory(branch=advisor.branch, employees=[advisor], clients=[client], message=NOTE_WORD)
    return client


def test_a_user_who_cannot_see_the_client_gets_404(customer, outsider):
    url = reverse("privacy:client_anonymise", args=[customer.pk])
    assert browser(outsider).get(url).status_code == 404
    assert browser(outsider).post(url, {"confirm": "on"}).status_code == 404
    lead_url = reverse("privacy:lead_anonymise", args=[customer.leads.get().pk])
    assert browser(outsider).get(lead_url).status_code == 404


def test_an_advisor_without_the_permission_gets_403(customer, advisor, manager):
    url = reverse("privacy:client_anonymise", args=[customer.pk])
    for user in (advisor, manager):
        assert browser(user).get(url).status_code == 403
        assert browser(user).post(url, {"confirm": "on"}).status_code == 403
    customer.refresh_from_db()
    assert customer.anonymised_at is None


def test_the_confirmation_shows_what_goes_and_asks_for_the_tick(customer, administrator):
    http = browser(administrator)
    url = reverse("privacy:client_anonymise", args=[customer.pk])
    logged("<1@x>", sender=EMAIL, text=NOTE_WORD, lead=customer.leads.get())
    logged("<2@x>", sender=f"{FIRST} <{EMAIL}>", text="Jestem na urlopie")

    page = http.get(url)

    assert page.status_code == 200
    text = page.content.decode()
    assert "What will be removed" in text and 'id="privacy-erasure-start"' in text
    assert page.context["preview"].leads == 1
    assert 'id="privacy-erasure-raw-messages">2<' in text
    assert "privacy-erasure-hold" not in text
    refused = http.post(url, {})
    assert refused.status_code == 200
    assert "Tick the box to confirm the anonymisation." in refused.content.decode()
    customer.refresh_from_db()
    assert customer.anonymised_at is None


def test_the_confirmation_names_the_legal_hold(customer, administrator, manager):
    lead = customer.leads.get()
    win(lead, manager, signed_at=timezone.localdate() - timedelta(days=30), clients=[customer])

    page = browser(administrator).get(reverse("privacy:client_anonymise", args=[customer.pk]))

    assert 'id="privacy-erasure-hold"' in page.content.decode()


def test_the_administrator_anonymises_and_the_pages_say_so(customer, administrator):
    http = browser(administrator)
    lead = customer.leads.get()

    response = http.post(
        reverse("privacy:client_anonymise", args=[customer.pk]), {"confirm": "on"}, follow=True
    )

    assert response.redirect_chain[-1][0] == customer.get_absolute_url()
    text = response.content.decode()
    assert 'id="client-anonymised"' in text and LAST not in text
    lead_page = http.get(lead.get_absolute_url()).content.decode()
    assert 'id="lead-anonymised"' in lead_page and NOTE_WORD not in lead_page
    assert PrivacyLog.objects.get(action=PrivacyAction.ANONYMISATION).user == administrator


def test_an_inquiry_with_a_client_points_to_the_clients_anonymisation(customer, administrator):
    lead = customer.leads.get()
    url = reverse("privacy:lead_anonymise", args=[lead.pk])

    page = browser(administrator).get(url)
    browser(administrator).post(url, {"confirm": "on"})

    assert reverse("privacy:client_anonymise", args=[customer.pk]) in page.content.decode()
    lead.refresh_from_db()
    assert lead.anonymised_at is None


def test_the_administrator_anonymises_an_inquiry_without_a_client(advisor, administrator):
    inquiry = LeadFactory(branch=advisor.branch, contact_last_name=LAST, contact_email=EMAIL)
    response = browser(administrator).post(
        reverse("privacy:lead_anonymise", args=[inquiry.pk]), {"confirm": "on"}
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.anonymised_at is not None and inquiry.contact_last_name == ""


def test_the_anonymise_button_is_on_the_card_for_administrators_only(
    customer, administrator, manager
):
    url = reverse("privacy:client_anonymise", args=[customer.pk])
    assert url in browser(administrator).get(customer.get_absolute_url()).content.decode()
    assert url not in browser(manager).get(customer.get_absolute_url()).content.decode()


def test_the_service_itself_refuses_a_user_without_the_permission(advisor, manager):
    from django.core.exceptions import PermissionDenied

    client = ClientFactory(branch=advisor.branch, caretaker=advisor, last_name="Odmowna")
    with pytest.raises(PermissionDenied):
        person_anonymise(client=client, user=manager)
    client.refresh_from_db()
    assert client.anonymised_at is None and client.last_name == "Odmowna"
