"""The demo's channels (seed_demo, through LEJEK_DEMO_SEEDERS): a sales mailbox, an Otodom
account, a Facebook page's lead form, a Google Ads lead form and a Telegram bot, and what
they brought over the last two weeks, processed by the channels' own readers as if it had
just arrived: leads with their listing's investment and campaign, a reply, a chat, junk
and one error waiting for a replay. No outside server is reached: the demo has none, so
the accounts are not polled (their health limit is off) and Meta's leads are logged as a
backfill logs them, with the lead in the entry."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from clients.models import LeadSource
from investments.models import Investment
from leads.models import Activity, Lead, LeadEvent, LeadEventKind

from .models import ChannelAccount, JunkSender, Listing, RawMessage
from .secrets import secret_encrypt
from .services.raw import raw_process, raw_store

PEOPLE = [
    ("Katarzyna", "Wiśniewska", "k.wisniewska@example.pl", "+48 601 222 301"),
    ("Tomasz", "Lewandowski", "tomasz.lew@example.pl", "+48 602 333 402"),
    ("Agnieszka", "Dąbrowska", "agnieszka.d@example.pl", "+48 603 444 503"),
    ("Michał", "Zieliński", "m.zielinski@example.pl", "+48 604 555 604"),
    ("Joanna", "Szymańska", "joanna.sz@example.pl", "+48 605 666 705"),
    ("Paweł", "Woźniak", "pawel.wozniak@example.pl", "+48 606 777 806"),
    ("Magdalena", "Kozłowska", "magda.k@example.pl", "+48 607 888 907"),
    ("Krzysztof", "Jankowski", "k.jankowski@example.pl", "+48 608 999 108"),
    ("Aleksandra", "Mazur", "ola.mazur@example.pl", "+48 609 121 209"),
    ("Marcin", "Krawczyk", "marcin.krawczyk@example.pl", "+48 510 232 310"),
    ("Natalia", "Piotrowska", "natalia.p@example.pl", "+48 511 343 411"),
    ("Grzegorz", "Grabowski", "g.grabowski@example.pl", "+48 512 454 512"),
]
QUESTIONS = [
    "Czy mieszkanie jest jeszcze dostępne? Proszę o kontakt po 16.",
    "Interesuje mnie 3 pokoje z balkonem, jaki jest termin oddania?",
    "Proszę o rzut mieszkania i informację o miejscu postojowym.",
    "Czy możliwy jest zakup z kredytem? Chętnie umówię się na prezentację.",
]


def demo_channels_seed() -> dict[str, int]:
    rng = random.Random(18)
    # The story ends at midnight today, as the rest of the demo's (the same data whatever
    # the hour it is seeded).
    now = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    investments = list(Investment.objects.order_by("id")[:2])
    accounts = _accounts(investments, now)
    people = iter(rng.sample(PEOPLE, len(PEOPLE)))
    entries = []
    for day in range(13, -1, -1):
        at = now - timedelta(days=day, hours=rng.randint(1, 9))
        kind = rng.choice(["otodom", "mailbox", "meta", "google", "otodom"])
        person = next(people, None)
        if person is not None:
            entries.append(_arrival(kind, accounts, person, at, rng))
    entries.append(_newsletter(accounts["mailbox"], now - timedelta(days=2)))
    entries.append(_chat(accounts["telegram"], now - timedelta(days=1)))
    entries.append(_chat_reply(accounts["telegram"], now - timedelta(hours=20)))
    entries.append(_broken(accounts["otodom"], now - timedelta(hours=5)))
    for raw in entries:
        raw_process(raw.pk, notify=False)
    # The leads were made now; they arrived when their entries did (the reports count
    # them in those days), and their messages were written when received.
    made = RawMessage.objects.filter(pk__in=[raw.pk for raw in entries], outcome="created")
    for lead_id, received_at in made.values_list("lead_id", "received_at"):
        Lead.objects.filter(pk=lead_id).update(created_at=received_at, updated_at=received_at)
        LeadEvent.objects.filter(lead_id=lead_id, kind=LeadEventKind.CREATED).update(at=received_at)
    Activity.objects.filter(lead__in=made.values("lead_id")).update(created_at=F("done_at"))
    return {"channel accounts": len(accounts), "raw log entries": len(entries)}


def _accounts(investments, now) -> dict[str, ChannelAccount]:
    www = LeadSource.objects.get(slug="www")
    otodom = LeadSource.objects.filter(slug="otodom").first() or www
    facebook = LeadSource.objects.filter(slug__in=["facebook", "social"]).first() or www
    google = LeadSource.objects.filter(slug__in=["google", "google-ads"]).first() or www
    specs = {
        "mailbox": (
            "Skrzynka biura sprzedaży",
            www,
            {"host": "imap.example.pl", "username": "biuro@dewelo.example"},
        ),
        "otodom": ("Otodom", otodom, {"external_id": "1234567"}),
        "meta": (
            "Facebook: Zielone Tarasy",
            facebook,
            {"external_id": "104857600", "verify_token": "demo-verify"},
        ),
        "google": ("Google Ads: formularz", google, {}),
        "telegram": ("Bot Telegram", www, {"external_id": "dewelo_bot"}),
    }  # fmt: skip
    accounts = {}
    for kind, (name, source, fields) in specs.items():
        accounts[kind] = ChannelAccount.objects.create(
            name=name,
            kind=kind,
            source=source,
            health_limit_minutes=0,
            last_success_at=now,
            secret_encrypted=secret_encrypt("demo-secret"),
            token_encrypted=secret_encrypt("demo-token"),
            **fields,
        )
    JunkSender.objects.create(pattern="@oferty-kredytowe.example", note="Oferty kredytów")
    first = investments[0] if investments else None
    Listing.objects.create(
        account=accounts["otodom"], key="64001234", name="Otodom: 3 pokoje", investment=first
    )
    Listing.objects.create(
        account=accounts["meta"], key="930112", name="Formularz: dni otwarte", investment=first
    )
    Listing.objects.create(
        account=accounts["google"],
        key="77001",
        name="Google: mieszkania",
        investment=investments[-1] if investments else None,
        form_key_encrypted=secret_encrypt("demo-key"),
    )
    return accounts


def _arrival(kind, accounts, person, at, rng) -> RawMessage:
    first, last, email, phone = person
    question = rng.choice(QUESTIONS)
    account = accounts[kind]
    if kind == "otodom":
        uuid = f"demo-{email}"
        body = {
            "transaction_id": f"t-{uuid}",
            "object_id": uuid,
            "flow": "incoming_message",
            "event_type": "incoming_message_success",
            "timestamp": int(at.timestamp() * 1000),
            "data": {
                "uuid": uuid,
                "ad_id": 64001234,
                "conversation_id": f"c-{email}",
                "sender_name": f"{first} {last}",
                "sender_email": email,
                "sender_phone": phone,
                "message": question,
            },
        }
        return _store(account, uuid, json.dumps(body).encode(), at)
    if kind == "meta":
        leadgen_id = str(880000 + rng.randint(1, 99999))
        lead = {
            "id": leadgen_id,
            "created_time": at.isoformat(),
            "form_id": "930112",
            "campaign_name": "Dni otwarte — grudzień",
            "adset_name": "Wrocław 25–45",
            "ad_name": "Karuzela: tarasy",
            "platform": rng.choice(["fb", "ig"]),
            "field_data": [
                {"name": "full_name", "values": [f"{first} {last}"]},
                {"name": "email", "values": [email]},
                {"name": "phone_number", "values": [phone]},
            ],
        }
        return _store(account, leadgen_id, json.dumps(lead).encode(), at)
    if kind == "google":
        lead_id = f"demo-{rng.randint(10**6, 10**7)}"
        body = {
            "lead_id": lead_id,
            "form_id": 77001,
            "campaign_id": 2026120,
            "google_key": "demo-key",
            "user_column_data": [
                {"column_id": "FULL_NAME", "string_value": f"{first} {last}"},
                {"column_id": "EMAIL", "string_value": email},
                {"column_id": "PHONE_NUMBER", "string_value": phone},
            ],
        }
        return _store(account, lead_id, json.dumps(body).encode(), at)
    message_id = f"<demo-{email}>"
    eml = (
        f"From: {first} {last} <{email}>\r\nTo: biuro@dewelo.example\r\n"
        f"Subject: Zapytanie o mieszkanie\r\nMessage-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"Dzień dobry,\r\n{question}\r\nMój telefon: {phone}\r\n\r\n{first} {last}\r\n"
    ).encode()
    return _store(account, message_id, eml, at, sender=f"{first} {last} <{email}>")


def _newsletter(account, at) -> RawMessage:
    eml = (
        b"From: Portal Nieruchomosci <newsletter@portal.example>\r\n"
        b"Subject: Nowosci rynku mieszkaniowego\r\nMessage-ID: <news-1@portal.example>\r\n"
        b"List-Unsubscribe: <https://portal.example/unsubscribe>\r\nPrecedence: bulk\r\n\r\n"
        b"Najnowsze ceny mieszkan w Twoim miescie.\r\n"
    )
    return _store(account, "<news-1@portal.example>", eml, at, sender="newsletter@portal.example")


def _update(update_id: int, text: str, at) -> bytes:
    sender = {"id": 5550101, "is_bot": False, "first_name": "Ewa", "last_name": "Nowicka"}
    message = {
        "message_id": update_id,
        "from": sender,
        "chat": {"id": 5550101, "type": "private", "first_name": "Ewa", "last_name": "Nowicka"},
        "date": int(at.timestamp()),
        "text": text,
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


def _chat(account, at) -> RawMessage:
    body = _update(700001, "Dzień dobry, czy są jeszcze mieszkania z ogródkiem?", at)
    return _store(account, "5550101:700001", body, at, sender="Ewa Nowicka")


def _chat_reply(account, at) -> RawMessage:
    body = _update(700002, "Najlepiej parter, do 70 m².", at)
    return _store(account, "5550101:700002", body, at, sender="Ewa Nowicka")


def _broken(account, at) -> RawMessage:
    # A notification cut off on the way: an error with the reason, for the replay.
    return _store(account, "demo-broken", b'{"flow": "incoming_message", "data": {"uuid": ', at)


def _store(account, external_id: str, body: bytes, at, sender: str = "") -> RawMessage:
    raw, _created = raw_store(
        account=account, external_id=external_id, body=body, received_at=at, sender=sender
    )
    return raw
