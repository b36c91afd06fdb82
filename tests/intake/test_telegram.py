"""The sales office's Telegram bot: Telegram posts each update to the bot's webhook with
the secret token; a chat's first message is an inquiry (the profile's name, the chat, the
phone the person shares), its later messages are conversations on that lead, and an
employee answers from the lead page through the bot, played here by a real local HTTP
server in Telegram's place."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import LeadSource
from intake.models import ChannelAccount, ChannelKind, Listing, Outcome, RawMessage, TelegramChat
from intake.secrets import secret_encrypt
from intake.services.raw import raw_process, raw_store
from leads.models import (
    Activity,
    ActivityDirection,
    ActivityKind,
    AssignmentRule,
    FailureReason,
    Lead,
)
from leads.services.pipeline import lead_mark_failed
from tests.factories import InvestmentFactory, LeadFactory
from tests.ports import free_port

BOT_TOKEN = "123456:AAH-bot-token"
SECRET_TOKEN = "webhook-secret-token_1"
CHAT = 777000111


@dataclass
class BotAPI:
    """Telegram's Bot API on a loopback port: records every call, and answers sendMessage
    as `mode` says (ok, blocked: Telegram's 403 for a person who blocked the bot, down:
    a 500)."""

    url: str = ""
    calls: list[tuple[str, dict]] = field(default_factory=list)
    mode: str = "ok"


@pytest.fixture
def bot_api(settings) -> Iterator[BotAPI]:
    api = BotAPI()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            api.calls.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
            status, answer = {
                "ok": (200, {"ok": True, "result": {"message_id": len(api.calls)}}),
                "blocked": (
                    403,
                    {
                        "ok": False,
                        "error_code": 403,
                        "description": "Forbidden: bot was blocked by the user",
                    },
                ),
                "down": (500, {"ok": False, "error_code": 500, "description": "Internal"}),
            }[api.mode]
            content = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_port}"
    settings.LEJEK_TELEGRAM_API_URL = api.url
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def bot(advisor) -> ChannelAccount:
    rule = AssignmentRule.objects.create(name="Telegram")
    rule.pool.set([advisor])
    return ChannelAccount.objects.create(
        name="Bot biura",
        kind=ChannelKind.TELEGRAM,
        source=LeadSource.objects.get_or_create(slug="telegram", defaults={"name": "Telegram"})[0],
        external_id="BiuroDeweloperaBot",
        secret_encrypted=secret_encrypt(BOT_TOKEN),
        token_encrypted=secret_encrypt(SECRET_TOKEN),
    )


@pytest.fixture
def telegram() -> HttpClient:
    """Telegram's servers posting updates: a server error would reach them as a 500."""
    return HttpClient(raise_request_exception=False)


_updates = iter(range(500_000_000, 600_000_000))


def update(
    text: str | None = "Dzień dobry, szukam mieszkania 3-pokojowego.", *, chat: int = CHAT,
    chat_type: str = "private", contact: dict | None = None, update_id: int | None = None,
) -> dict:  # fmt: skip
    message = {
        "message_id": 11,
        "from": {
            "id": chat,
            "is_bot": False,
            "first_name": "Jan",
            "last_name": "Kowalski",
            "username": "jan_kowalski",
            "language_code": "pl",
        },
        "chat": {"id": chat, "first_name": "Jan", "type": chat_type},
        "date": int(time.time()),
    }
    if text is not None:
        message["text"] = text
    if contact is not None:
        message["contact"] = contact
    return {"update_id": update_id or next(_updates), "message": message}


def own_contact(phone: str = "48600100200") -> dict:
    """What "share my phone number" sends: the sender's own contact."""
    return {"phone_number": phone, "first_name": "Jan", "last_name": "Kowalski", "user_id": CHAT}


def post(telegram, account, body, *, secret: str | None = SECRET_TOKEN, raw: bytes | None = None):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return telegram.post(
        reverse("intake:telegram_webhook", args=[account.pk]),
        raw if raw is not None else json.dumps(body),
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def sent(telegram, bot, django_capture_on_commit_callbacks):
    """Telegram delivers an update; the (eager) worker processes it after the commit."""

    def send(body: dict, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(telegram, bot, body, **kwargs)

    return send


def browser(user) -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    http.force_login(user)
    return http


def reply(http: HttpClient, lead: Lead, text: str):
    """Post the lead page's Telegram form, with the CSRF token the page gave."""
    assert http.get(lead.get_absolute_url()).status_code == 200
    token = http.cookies["csrftoken"].value
    return http.post(
        reverse("telegram:reply", args=[lead.pk]), {"text": text, "csrfmiddlewaretoken": token}
    )


@pytest.mark.django_db
def test_a_chats_first_message_becomes_a_lead_with_the_profiles_name_and_the_chat(
    bot, sent, advisor
):
    body = update()

    response = sent(body)

    assert response.status_code == 200 and response.content == b""
    lead = Lead.objects.get()
    assert (lead.contact_first_name, lead.contact_last_name) == ("Jan", "Kowalski")
    assert lead.message == "Dzień dobry, szukam mieszkania 3-pokojowego."
    assert (lead.source.slug, lead.utm_source, lead.utm_medium) == (
        "telegram",
        "telegram",
        "messenger",
    )
    assert list(lead.employees.all()) == [advisor]
    assert TelegramChat.objects.get(account=bot, chat_id=CHAT).lead == lead
    raw = RawMessage.objects.get()
    assert raw.external_id == f"{CHAT}:{body['update_id']}"
    assert raw.outcome == Outcome.CREATED
    assert raw.attribution["username"] == "jan_kowalski"
    assert raw.attribution["bot"] == "BiuroDeweloperaBot"
    # The secret token authenticated the update; it is not kept with it.
    assert not any(name.lower() == "x-telegram-bot-api-secret-token" for name in raw.headers)


@pytest.mark.django_db
def test_the_chats_next_message_is_a_conversation_on_its_lead(bot, sent):
    sent(update())
    lead = Lead.objects.get()

    sent(update("Czy są jeszcze mieszkania z ogródkiem?"))

    assert Lead.objects.count() == 1
    activity = Activity.objects.get(lead=lead)
    assert activity.kind == ActivityKind.MESSENGER
    assert activity.direction == ActivityDirection.INBOUND
    assert activity.notes == "Czy są jeszcze mieszkania z ogródkiem?"
    assert RawMessage.objects.latest("id").outcome == Outcome.APPENDED


@pytest.mark.django_db
def test_a_shared_contact_gives_the_lead_its_phone(bot, sent):
    sent(update(None, contact=own_contact()))

    lead = Lead.objects.get()
    assert lead.contact_phone == "+48600100200"
    assert lead.contact_first_name == "Jan"


@pytest.mark.django_db
def test_a_contact_shared_later_is_written_into_the_conversation(bot, sent):
    sent(update())

    sent(update(None, contact=own_contact()))

    activity = Activity.objects.get()
    assert "+48600100200" in activity.notes


@pytest.mark.django_db
def test_someone_elses_contact_is_no_phone_of_the_person(bot, sent):
    sent(update(None, contact={**own_contact("48600999888"), "user_id": 42}))

    lead = Lead.objects.get()
    assert lead.contact_phone == ""
    assert "48600999888" in lead.message


@pytest.mark.django_db
def test_opening_the_bot_is_an_inquiry_and_its_start_code_the_listing(bot, sent):
    investment = InvestmentFactory(name="Osiedle Zielone")
    Listing.objects.create(account=bot, key="zielone", investment=investment)

    sent(update("/start zielone"))

    lead = Lead.objects.get()
    assert lead.message == ""
    assert lead.utm_campaign == "zielone"
    assert list(lead.investments.all()) == [investment]


@pytest.mark.django_db
@pytest.mark.parametrize("secret", [None, "", "a-guessed-token"])
def test_an_update_without_the_secret_token_is_refused_and_nothing_stored(bot, sent, secret):
    response = sent(update(), secret=secret)

    assert response.status_code == 403
    assert not RawMessage.objects.exists() and not Lead.objects.exists()


@pytest.mark.django_db
def test_a_bot_without_a_secret_token_accepts_no_update(bot, sent):
    bot.token_encrypted = ""
    bot.save()

    assert sent(update(), secret="").status_code == 403
    assert not RawMessage.objects.exists()


@pytest.mark.django_db
def test_an_update_delivered_again_makes_nothing_new(bot, sent):
    first = update()
    sent(first)
    sent(update("Druga wiadomość"))

    again = sent(first)

    assert again.status_code == 200
    assert RawMessage.objects.count() == 2
    assert Lead.objects.count() == 1 and Activity.objects.count() == 1


@pytest.mark.django_db
def test_a_photo_without_a_caption_says_what_it_was(bot, sent, in_english):
    photo = update(None)
    photo["message"]["photo"] = [{"file_id": "AgAD", "width": 90, "height": 90}]

    sent(photo)

    assert Lead.objects.get().message == "(Sent a photo without text.)"


@pytest.mark.django_db
def test_a_message_in_a_group_is_logged_as_junk(bot, sent):
    sent(update(chat=-100123, chat_type="supergroup"))

    raw = RawMessage.objects.get()
    assert raw.outcome == Outcome.JUNK and "supergroup" in raw.reason
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_updates_of_other_kinds_are_answered_and_not_stored(bot, sent):
    edited = update()
    edited["edited_message"] = edited.pop("message")

    assert sent(edited).status_code == 200
    assert not RawMessage.objects.exists()


@pytest.mark.django_db
def test_a_message_after_the_lead_failed_opens_a_new_lead_with_the_chat(bot, sent, advisor):
    sent(update())
    first = Lead.objects.get()
    lead_mark_failed(lead=first, reason=FailureReason.objects.first(), user=advisor)

    sent(update("Wracam po roku."))

    newest = Lead.objects.latest("id")
    assert newest != first and newest.message == "Wracam po roku."
    assert TelegramChat.objects.get(chat_id=CHAT).lead == newest


@pytest.mark.django_db(transaction=True)
def test_two_quick_messages_processed_at_once_make_one_lead(reference_data, bot):
    """Two workers take a chat's first two messages at the same moment: the second waits
    for the first's lead and is added to it."""
    raws = [
        raw_store(account=bot, external_id=f"{CHAT}:{n}", body=json.dumps(update(text)).encode())[0]
        for n, text in enumerate(["Dzień dobry.", "Szukam mieszkania M3."])
    ]
    start = threading.Barrier(2)

    def process(raw_id: int) -> None:
        start.wait()
        try:
            raw_process(raw_id)
        finally:
            connection.close()

    workers = [threading.Thread(target=process, args=[raw.pk]) for raw in raws]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)

    assert Lead.objects.count() == 1
    assert sorted(RawMessage.objects.values_list("outcome", flat=True)) == [
        Outcome.APPENDED,
        Outcome.CREATED,
    ]
    assert Activity.objects.get().lead == TelegramChat.objects.get().lead


MALFORMED = [
    pytest.param(b"not json", "body", id="not-json"),
    pytest.param(b"[1, 2]", "body", id="an-array"),
    pytest.param(b"{" * 100_000, "body", id="nested-past-the-limit"),
    pytest.param({"update_id": "1"}, "update_id", id="update-id-a-text"),
    pytest.param({"update_id": 10**30}, "update_id", id="update-id-too-big"),
    pytest.param({"message": {}}, "update_id", id="no-update-id"),
    pytest.param({"update_id": 1, "message": []}, "message", id="message-a-list"),
    pytest.param({"update_id": 1, "message": {"text": "x"}}, "message.chat", id="no-chat"),
    pytest.param(
        {"update_id": 1, "message": {"chat": {"id": True, "type": "private"}}},
        "message.chat.id",
        id="chat-id-true",
    ),
    pytest.param(
        {"update_id": 1, "message": {"chat": {"id": 1, "type": "private"}, "text": 5}},
        "message.text",
        id="text-a-number",
    ),
    pytest.param(
        {"update_id": 1, "message": {"chat": {"id": 1, "type": "private"}, "contact": {}}},
        "message.contact.phone_number",
        id="contact-without-phone",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "field"), MALFORMED)
def test_a_malformed_update_is_refused_with_the_field_named(bot, telegram, body, field):
    raw = body if isinstance(body, bytes) else None

    response = post(telegram, bot, body, raw=raw)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not RawMessage.objects.exists()


@pytest.fixture
def chat_lead(bot, sent) -> Lead:
    sent(update())
    return Lead.objects.get()


@pytest.mark.django_db
def test_an_employee_replies_from_the_lead_page_through_the_bot(chat_lead, bot_api, advisor):
    http = browser(advisor)
    page = http.get(chat_lead.get_absolute_url())
    assert b'id="telegram-reply-form"' in page.content
    assert b"@jan_kowalski" in page.content

    response = reply(http, chat_lead, "Dzień dobry, zapraszam na prezentację w piątek.")

    assert response.status_code == 302
    assert response.url == f"{chat_lead.get_absolute_url()}?tab=conversations"
    assert bot_api.calls == [
        (
            f"/bot{BOT_TOKEN}/sendMessage",
            {"chat_id": CHAT, "text": "Dzień dobry, zapraszam na prezentację w piątek."},
        )
    ]
    activity = Activity.objects.get(lead=chat_lead, direction=ActivityDirection.OUTBOUND)
    assert activity.kind == ActivityKind.MESSENGER
    assert activity.notes == "Dzień dobry, zapraszam na prezentację w piątek."
    assert (activity.employee, activity.created_by) == (advisor, advisor)
    shown = http.get(response.url)
    assert b"The message is sent on Telegram." in shown.content


@pytest.mark.django_db
def test_a_user_who_cannot_see_the_lead_gets_404_and_nothing_is_sent(chat_lead, bot_api, outsider):
    http = browser(outsider)
    url = reverse("telegram:reply", args=[chat_lead.pk])

    assert http.get(url).status_code == 404
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(outsider)
    assert http.post(url, {"text": "Hej"}).status_code == 404
    assert bot_api.calls == []
    assert not Activity.objects.filter(direction=ActivityDirection.OUTBOUND).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mode", "shown"),
    [
        ("blocked", b"Forbidden: bot was blocked by the user"),
        ("down", b"Telegram did not send the message"),
    ],
)
def test_when_telegram_does_not_send_the_user_is_told_and_nothing_is_logged(
    chat_lead, bot_api, advisor, mode, shown
):
    bot_api.mode = mode

    response = reply(browser(advisor), chat_lead, "Zapraszam na prezentację.")

    assert response.status_code == 400
    assert shown in response.content
    # The text is still there to send again.
    assert "Zapraszam na prezentację." in response.content.decode()
    assert len(bot_api.calls) == 1
    assert not Activity.objects.filter(direction=ActivityDirection.OUTBOUND).exists()


@pytest.mark.django_db
def test_when_telegram_does_not_answer_the_user_is_told(chat_lead, advisor, settings):
    settings.LEJEK_TELEGRAM_API_URL = f"http://127.0.0.1:{free_port()}"  # nobody listens

    response = reply(browser(advisor), chat_lead, "Zapraszam.")

    assert response.status_code == 400
    assert b"Telegram did not answer" in response.content
    assert not Activity.objects.filter(direction=ActivityDirection.OUTBOUND).exists()


@pytest.mark.django_db
def test_an_empty_reply_is_refused_next_to_the_field(chat_lead, bot_api, advisor):
    response = reply(browser(advisor), chat_lead, "   ")

    assert response.status_code == 400
    assert response.context["form"].errors["text"]
    assert b'class="field field--error"' in response.content
    assert bot_api.calls == []


@pytest.mark.django_db
def test_a_failed_lead_shows_no_reply_form_and_sends_nothing(chat_lead, bot_api, advisor):
    lead_mark_failed(lead=chat_lead, reason=FailureReason.objects.first(), user=advisor)
    http = browser(advisor)

    page = http.get(chat_lead.get_absolute_url())
    response = reply(http, chat_lead, "Jednak się odezwę.")

    assert b'id="telegram"' in page.content
    assert b'id="telegram-reply-form"' not in page.content
    assert response.status_code == 400
    assert b"reactivate it first" in response.content
    assert bot_api.calls == []


@pytest.mark.django_db
def test_a_lead_without_a_chat_has_no_telegram_panel_or_reply(advisor, bot_api):
    lead = LeadFactory(employees=[advisor])
    http = browser(advisor)

    assert b'id="telegram"' not in http.get(lead.get_absolute_url()).content
    assert http.get(reverse("telegram:reply", args=[lead.pk])).status_code == 404


@pytest.mark.django_db
def test_a_reply_without_the_pages_csrf_token_is_refused(chat_lead, bot_api, advisor):
    url = reverse("telegram:reply", args=[chat_lead.pk])

    assert browser(advisor).post(url, {"text": "Hej"}).status_code == 403
    assert bot_api.calls == []


@pytest.mark.django_db
def test_the_reply_url_shows_its_form_and_takes_no_other_method(chat_lead, advisor):
    url = reverse("telegram:reply", args=[chat_lead.pk])
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(advisor)

    page = http.get(url)
    assert page.status_code == 200 and b'id="telegram-reply-form"' in page.content
    assert http.put(url).status_code == 405


@pytest.mark.django_db
def test_the_reply_page_takes_a_fixed_number_of_queries(
    chat_lead, advisor, django_assert_num_queries
):
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    http.force_login(advisor)
    url = reverse("telegram:reply", args=[chat_lead.pk])
    http.get(url)
    # session, user; the lead (scoped, with its status); its chat with the bot's account.
    with django_assert_num_queries(4):
        assert http.get(url).status_code == 200
