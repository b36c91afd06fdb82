"""The sales mailbox's emails become leads by themselves: each portal's notification (Otodom,
Morizon, Gratka, rynekpierwotny.pl, Tabela Ofert, Obido, Domiporta, OLX) as the person who
asked, from that portal, about the listing's investment; a customer's own email as an
inquiry from them; their reply as the next email of their lead; and auto-replies, bounces,
newsletters, no-reply senders and senders marked as junk as nothing but a line in the raw
log. An administrator fixes a parser, a mapping or the junk list and replays.

Each email goes the way the mailbox's poll sends it: `raw_store`, then `raw_process`."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.apps import apps

from clients.models import LeadSource
from intake.channels.email import quote_cut
from intake.models import ChannelAccount, JunkSender, Listing, Outcome, PortalParser, RawMessage
from intake.services.raw import raw_process, raw_replay, raw_store
from leads.models import (
    Activity,
    ActivityDirection,
    ActivityKind,
    AssignmentRule,
    AssignmentStrategy,
    FailureReason,
    Lead,
)
from leads.services.pipeline import lead_mark_failed
from tests.factories import InvestmentFactory, source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

EMAILS = Path(__file__).resolve().parent.parent / "data" / "portal_emails"
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100


@pytest.fixture(autouse=True)
def inquiries_go_to_the_advisor(advisor):
    rule = AssignmentRule.objects.create(name="Skrzynka", strategy=AssignmentStrategy.ROUND_ROBIN)
    rule.pool.set([advisor])


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def mailbox() -> ChannelAccount:
    return ChannelAccount.objects.create(
        name="Biuro sprzedaży", kind="mailbox", source=source("www"), host="127.0.0.1"
    )


def eml(name: str) -> bytes:
    return (EMAILS / name).read_bytes()


def arrives(mailbox: ChannelAccount, body: bytes) -> RawMessage:
    """The email as the poll hands it over: logged under its Message-ID, then processed."""
    headers = message_from_bytes(body, policy=policy.default)
    raw, _new = raw_store(
        account=mailbox,
        external_id=(headers["Message-ID"] or "").strip() or f"uid:{len(body)}",
        body=body,
        sender=str(headers["From"] or ""),
        subject=str(headers["Subject"] or ""),
    )
    processed, _retry = raw_process(raw.pk)
    return processed


def edited(name: str, **headers: str) -> bytes:
    """A fixture with some headers replaced (None removes one)."""
    message = message_from_bytes(eml(name), policy=policy.default)
    for header, value in headers.items():
        header = header.replace("_", "-")
        del message[header]
        if value is not None:
            message[header] = value
    return message.as_bytes()


# -- Portals ------------------------------------------------------------------------------

PORTALS = {
    "otodom.eml": dict(
        source="otodom",
        first_name="Katarzyna",
        last_name="Nowak",
        email="katarzyna.nowak@gmail.com",
        phone="+48600123456",
        message="Dzień dobry, czy mieszkanie jest nadal dostępne? Chętnie obejrzę je\n"
        "w przyszłym tygodniu, najlepiej po 17:00.",
        listing="4pQx1",
    ),
    "morizon.eml": dict(
        source="morizon",
        first_name="Tomasz",
        last_name="Wiśniewski",
        email="t.wisniewski@wp.pl",
        phone="+48512345678",
        message="Proszę o kontakt w sprawie ceny.\nCzy jest możliwość negocjacji?",
        listing="mzn2041554433",
    ),
    "gratka.eml": dict(
        source="gratka",
        first_name="Paweł",
        last_name="Zając",
        email="pawel.zajac@onet.pl",
        phone="+48501234567",
        message="Dzień dobry, jestem zainteresowany zakupem. Czy w cenie jest miejsce postojowe\n"
        "w hali garażowej? Proszę o informację, kiedy można obejrzeć mieszkanie.",
        listing="31234567",
    ),
    "rynekpierwotny.eml": dict(
        source="rynekpierwotny",
        first_name="Agnieszka",
        last_name="Lewandowska",
        email="agnieszka.lewandowska@o2.pl",
        phone="+48601222333",
        message="Proszę o przesłanie rzutu mieszkania M3 na 2. piętrze oraz aktualnego cennika.",
        listing="4821",
    ),
    "tabelaofert.eml": dict(
        source="tabela-ofert",
        first_name="Michał",
        last_name="Kamiński",
        email="michal.kaminski@interia.pl",  # only in Reply-To
        phone="+48602111222",
        message="Czy mieszkanie A/12 ma ogródek?\nJaki jest termin oddania budynku?",
        listing="998877",
    ),
    "obido.eml": dict(
        source="obido",
        first_name="Ewa",
        last_name="Dąbrowska",
        email="ewa.dabrowska@gmail.com",
        phone="",  # "12345" is no phone number: it stays in the message
        message="Czy są jeszcze dostępne mieszkania 4-pokojowe z ogródkiem?\n\n"
        "Phone as given: 12345",
        listing="7731",
    ),
    "domiporta.eml": dict(
        source="domiporta",
        first_name="Joanna",
        last_name="Wójcik",
        email="joanna.wojcik@gmail.com",
        phone="+48697000111",
        message="Dzień dobry, w załączniku przesyłam zaświadczenie o zdolności kredytowej. "
        "Proszę o rezerwację mieszkania.",
        listing="154398762",
    ),
    "olx.eml": dict(
        source="olx",
        first_name="Krzysztof",
        last_name="",
        email="",  # Reply-To is OLX's own relay, not the person's address
        phone="+48698765432",
        message="Czy mieszkanie jest jeszcze aktualne? Mogę podjechać w sobotę przed południem.",
        listing="abc12X",
    ),
}


def test_every_portal_has_a_default_parser_with_its_source():
    parsers = {parser.name: parser.source.slug for parser in PortalParser.objects.all()}
    assert parsers == {
        "Otodom": "otodom",
        "Morizon": "morizon",
        "Gratka": "gratka",
        "rynekpierwotny.pl": "rynekpierwotny",
        "Tabela Ofert": "tabela-ofert",
        "Obido": "obido",
        "Domiporta": "domiporta",
        "OLX": "olx",
    }
    # The sources seeded before are reused, not doubled.
    assert LeadSource.objects.filter(name__icontains="rynekpierwotny").count() == 1


def test_seeding_the_parsers_again_keeps_what_the_administrator_changed():
    otodom = PortalParser.objects.get(name="Otodom")
    otodom.rules = "Klient: full_name"
    otodom.save()
    seed = importlib.import_module("intake.migrations.0003_portal_parsers").seed_parsers
    seed(apps, None)
    assert PortalParser.objects.count() == 8
    assert PortalParser.objects.get(name="Otodom").rules == "Klient: full_name"


@pytest.mark.parametrize("name", PORTALS)
def test_a_portals_notification_becomes_a_lead_from_that_portal_about_the_listing(mailbox, name):
    expected = PORTALS[name]
    investment = InvestmentFactory(name=f"Inwestycja z {name}")
    Listing.objects.create(account=mailbox, key=expected["listing"], investment=investment)

    raw = arrives(mailbox, eml(name))

    assert raw.outcome == Outcome.CREATED, raw.reason
    lead = raw.lead
    assert lead.source.slug == expected["source"]
    assert (lead.contact_first_name, lead.contact_last_name) == (
        expected["first_name"],
        expected["last_name"],
    )
    assert lead.contact_email == expected["email"]
    assert lead.contact_phone == expected["phone"]
    assert lead.message == expected["message"]
    assert list(lead.investments.all()) == [investment]
    assert (lead.utm_source, lead.utm_medium) == (expected["source"], "email")
    assert raw.attribution["listing"] == expected["listing"]
    assert (
        raw.attribution["portal"] == PortalParser.objects.get(source__slug=expected["source"]).name
    )
    assert lead.raw_payload["attribution"]["subject"] == raw.subject


def test_the_same_notification_delivered_twice_makes_one_lead(mailbox):
    first = arrives(mailbox, eml("otodom.eml"))
    second = arrives(mailbox, eml("otodom.eml"))
    assert second.pk == first.pk
    assert Lead.objects.count() == 1


def test_a_listing_nobody_mapped_gives_the_mailboxs_default_investment(mailbox):
    mailbox.default_investment = InvestmentFactory(name="Zielone Tarasy")
    mailbox.save()
    lead = arrives(mailbox, eml("gratka.eml")).lead
    assert [investment.name for investment in lead.investments.all()] == ["Zielone Tarasy"]


def test_the_parser_first_in_priority_claims_the_email(mailbox):
    premium = LeadSource.objects.create(name="Otodom Premium", slug="otodom-premium", order=99)
    PortalParser.objects.create(
        name="Otodom (konto premium)",
        priority=10,
        sender_domains="otodom.pl",
        subject_pattern="ZAPYTANIE O OGŁOSZENIE",
        rules="Imię i nazwisko: full_name\nTelefon: phone",
        source=premium,
    )
    lead = arrives(mailbox, eml("otodom.eml")).lead
    assert lead.source == premium
    # Its rules have no email label: the person's Reply-To address is taken.
    assert lead.contact_email == "katarzyna.nowak@gmail.com"


def test_a_portals_email_the_subject_pattern_does_not_match_is_no_reply_junk(mailbox):
    raw = arrives(mailbox, edited("tabelaofert.eml", Subject="Faktura VAT za grudzień 2026"))
    assert raw.outcome == Outcome.JUNK
    assert raw.reason == "Sent from a no-reply address (no-reply@tabelaofert.pl)."
    assert not Lead.objects.exists()


def test_a_portals_newsletter_the_parser_finds_nobody_in_is_junk(mailbox):
    newsletter = EmailMessage()
    newsletter["From"] = "Otodom <no-reply@otodom.pl>"
    newsletter["Subject"] = "Nowe wiadomości z rynku nieruchomości"
    newsletter["Message-ID"] = "<newsletter-44@otodom.pl>"
    newsletter["List-Unsubscribe"] = "<https://www.otodom.pl/wypisz>"
    newsletter.set_content("Sprawdź, co nowego w Twojej okolicy.")
    raw = arrives(mailbox, newsletter.as_bytes())
    assert raw.outcome == Outcome.JUNK
    assert "List-Unsubscribe" in raw.reason


# -- Replays after a fix ------------------------------------------------------------------


def test_a_notification_a_broken_parser_cannot_read_is_an_error_until_fixed_and_replayed(
    mailbox,
):
    gratka = PortalParser.objects.get(name="Gratka")
    default_rules = gratka.rules
    gratka.rules = "Nadawca: full_name"
    gratka.save()

    raw = arrives(mailbox, eml("gratka.eml"))
    assert raw.outcome == Outcome.ERROR
    assert raw.reason == "The parser “Gratka” found neither an email address nor a phone number."
    assert not Lead.objects.exists()

    gratka.rules = default_rules
    gratka.save()
    investment = InvestmentFactory(name="Wielicka Park")
    Listing.objects.create(account=mailbox, key="31234567", investment=investment)
    replayed = raw_replay(raw)

    assert replayed.outcome == Outcome.CREATED
    assert replayed.lead.contact_email == "pawel.zajac@onet.pl"
    assert list(replayed.lead.investments.all()) == [investment]
    # Replaying again changes nothing: still one lead.
    assert raw_replay(raw).lead == replayed.lead
    assert Lead.objects.count() == 1


def test_a_sender_marked_as_junk_by_mistake_is_let_in_by_a_replay(mailbox):
    JunkSender.objects.create(pattern="@GMAIL.com", note="Zbyt wiele spamu")
    raw = arrives(mailbox, eml("customer.eml"))
    assert raw.outcome == Outcome.JUNK
    assert raw.reason == "The sender is marked as junk (@GMAIL.com)."

    JunkSender.objects.all().delete()
    assert raw_replay(raw).outcome == Outcome.CREATED
    assert Lead.objects.get().contact_email == "anna.kowalczyk@gmail.com"


def test_a_sender_address_marked_as_junk_makes_nothing(mailbox):
    JunkSender.objects.create(pattern="Anna.Kowalczyk@gmail.com")
    raw = arrives(mailbox, eml("customer.eml"))
    assert raw.outcome == Outcome.JUNK
    assert not Lead.objects.exists()


# -- Junk ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("newsletter.eml", "Newsletter or mailing list (List-Unsubscribe)."),
        ("autoreply.eml", "Automatic message (Auto-Submitted: auto-replied)."),
        ("bounce.eml", "Automatic message (Auto-Submitted: auto-replied)."),
    ],
)
def test_newsletters_auto_replies_and_bounces_are_junk(mailbox, name, reason):
    raw = arrives(mailbox, eml(name))
    assert (raw.outcome, raw.reason) == (Outcome.JUNK, reason)
    assert raw.lead is None
    assert not Lead.objects.exists()


def test_a_bounce_without_auto_submitted_is_told_by_its_report(mailbox):
    raw = arrives(mailbox, edited("bounce.eml", Auto_Submitted=None))
    assert (raw.outcome, raw.reason) == (Outcome.JUNK, "Delivery status notification (a bounce).")


def test_an_x_autoreply_without_auto_submitted_is_junk(mailbox):
    raw = arrives(mailbox, edited("autoreply.eml", Auto_Submitted=None))
    assert (raw.outcome, raw.reason) == (Outcome.JUNK, "Automatic reply (X-Autoreply).")


def test_a_precedence_bulk_email_is_junk(mailbox):
    raw = arrives(mailbox, edited("newsletter.eml", List_Unsubscribe=None))
    assert raw.reason == "Newsletter or mailing list (Precedence: bulk)."


@pytest.mark.parametrize("sender", ["noreply@sklep.pl", "no-reply@bank.pl", "DoNotReply@x.pl"])
def test_emails_from_no_reply_senders_are_junk(mailbox, sender):
    raw = arrives(mailbox, edited("customer.eml", From=f"Powiadomienia <{sender}>"))
    assert raw.outcome == Outcome.JUNK
    assert raw.reason == f"Sent from a no-reply address ({sender.lower()})."


# -- People -------------------------------------------------------------------------------


def test_a_customers_own_email_becomes_a_lead_from_them(mailbox):
    raw = arrives(mailbox, eml("customer.eml"))
    assert raw.outcome == Outcome.CREATED
    lead = raw.lead
    assert lead.source == mailbox.source
    assert (lead.contact_first_name, lead.contact_last_name) == ("Anna", "Kowalczyk")
    assert lead.contact_email == "anna.kowalczyk@gmail.com"
    assert lead.message.startswith("Dzień dobry,\n\njestem zainteresowana mieszkaniem 3-pokojowym")
    assert lead.message.endswith("Anna Kowalczyk\ntel. 604 555 120")
    assert lead.utm_medium == "email"
    assert raw.attribution["subject"] == "Pytanie o mieszkanie w inwestycji Zielone Tarasy"
    assert lead.submitted_at == datetime(2026, 12, 14, 11, 30, tzinfo=UTC)


def test_a_reply_is_added_to_the_lead_of_the_email_it_answers(mailbox):
    lead = arrives(mailbox, eml("customer.eml")).lead

    raw = arrives(mailbox, eml("reply.eml"))

    assert (raw.outcome, raw.lead) == (Outcome.APPENDED, lead)
    assert Lead.objects.count() == 1
    activity = Activity.objects.get(lead=lead)
    assert (activity.kind, activity.direction) == (ActivityKind.EMAIL, ActivityDirection.INBOUND)
    assert activity.notes == (
        "Re: Pytanie o mieszkanie w inwestycji Zielone Tarasy\n\n"
        "Dziękuję za listę. Proszę zarezerwować dla mnie prezentację lokalu M14\n"
        "w czwartek o 16:00.\n\nAnna Kowalczyk"
    )


@pytest.mark.parametrize(
    "history",
    [
        "On Mon, 14 Dec 2026 at 12:30, Biuro Sprzedaży <sprzedaz@lejek.example> wrote:\n> Oferta",
        "On Mon, 14 Dec 2026 at 12:30, Biuro <\nsprzedaz@lejek.example> wrote:\n\n> Oferta",
        "pon., 14 gru 2026 o 12:30 Biuro Sprzedaży <sprzedaz@lejek.example> napisał(a):\n> Oferta",
        "W dniu 14.12.2026 o 12:30, Biuro Sprzedaży pisze:\nOferta bez cytowania",
        "________________________________\nOd: Biuro Sprzedaży\nWysłane: 14 grudnia 2026\nOferta",
        "From: Biuro Sprzedaży <sprzedaz@lejek.example>\nSent: Monday, December 14, 2026\nOferta",
        "-----Original Message-----\nFrom: Biuro\nOferta",
    ],
)
def test_a_replys_quoted_history_is_cut_off_whatever_the_mail_program(history):
    assert quote_cut(f"Tak, poproszę.\n> cytat w środku\n\n{history}") == "Tak, poproszę."


def test_a_reply_to_a_closed_lead_is_a_new_inquiry(mailbox, advisor):
    lead = arrives(mailbox, eml("customer.eml")).lead
    lead_mark_failed(lead=lead, reason=FailureReason.objects.first(), user=advisor)

    raw = arrives(mailbox, eml("reply.eml"))

    assert raw.outcome == Outcome.CREATED
    assert raw.lead != lead
    assert raw.lead.message.startswith("Dziękuję za listę.")


def test_an_email_that_is_not_one_or_has_no_sender_is_an_error(mailbox):
    garbage = arrives(mailbox, b"\x00\x01\x02 binary garbage, no headers")
    assert (garbage.outcome, garbage.reason) == (
        Outcome.ERROR,
        "This is not an email: it has no headers.",
    )
    nobody = arrives(mailbox, edited("customer.eml", From=None))
    assert (nobody.outcome, nobody.reason) == (
        Outcome.ERROR,
        "The email has no sender address (From).",
    )
    assert not Lead.objects.exists()


def test_an_email_over_the_size_limit_is_refused(mailbox, settings):
    settings.LEJEK_INTAKE_MAX_EMAIL_BYTES = 1000
    raw = arrives(mailbox, eml("otodom.eml"))
    assert raw.outcome == Outcome.ERROR
    assert raw.reason.startswith("The email is larger than 1000 bytes")
    assert not Lead.objects.exists()


def test_an_unknown_charset_and_raw_8bit_headers_are_still_read(mailbox):
    body = (
        "From: Zofia Mazur <zofia.mazur@example.pl>\r\n"
        "Subject: Pytanie o dzia\u0142k\u0119\r\n"
        "Message-ID: <raw8bit-1@example.pl>\r\n"
        "Content-Type: text/plain; charset=x-nieznany\r\n"
        "\r\n"
        "Prosz\u0119 o kontakt.\x00\r\n"
    ).encode("cp1250")
    lead = arrives(mailbox, body).lead
    assert lead.message == "Proszę o kontakt."
    assert RawMessage.objects.get().attribution["subject"] == "Pytanie o działkę"


# -- Attachments --------------------------------------------------------------------------


def test_a_portals_pdf_attachment_is_kept_as_the_leads_document(mailbox):
    raw = arrives(mailbox, eml("domiporta.eml"))
    document = raw.lead.documents.get()
    assert document.original_name == "zaświadczenie o zdolności kredytowej.pdf"
    assert document.content_type == "application/pdf"
    assert document.uploaded_by is None
    assert document.history.get().history_user is None
    assert raw.reason == ""


def test_a_program_attached_to_an_email_is_not_kept_and_the_log_says_why(mailbox):
    message = message_from_bytes(eml("customer.eml"), policy=policy.default)
    message.make_mixed()
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="rzut.pdf")
    message.add_attachment(
        WINDOWS_PROGRAM, maintype="application", subtype="octet-stream", filename="cennik.exe"
    )

    raw = arrives(mailbox, message.as_bytes())

    assert raw.outcome == Outcome.CREATED
    assert [document.original_name for document in raw.lead.documents.all()] == ["rzut.pdf"]
    assert raw.reason == (
        "Attachments not kept: cennik.exe (This file is a program, not a document; it "
        "cannot be added.)."
    )
    # The text is still the message, not the attachments.
    assert raw.lead.message.startswith("Dzień dobry,")
