"""Telegram: the updates a bot's webhook gets (https://core.telegram.org/bots/api#update).

- `update_read(body)` checks the shape of an update as far as we read it; the webhook
  (`intake.hooks.telegram`) refuses another shape with the field named.
- `read(raw)`: a message of a private chat. The chat's first message (no `TelegramChat` of
  the account has its id) is an inquiry: the profile's name, the chat (which
  `raw_process` records with the lead), the text, and the phone when the person shares
  their own contact (Telegram's "share my phone number": `contact.user_id` is the
  sender's). Its later messages are `Reply`s, messenger conversations on the chat's lead;
  a contact shared later is written into that conversation (no `leads` service fills a
  lead's contact fields from outside). A chat whose lead is closed (failed, won or
  deleted) opens a new inquiry, which the chat then belongs to.
- "/start" is what Telegram sends when a person opens the bot: as a first message it is
  an inquiry at once (the person chose to contact the office, and an employee can answer
  them through the bot) rather than waiting for their first words. A link
  t.me/<bot>?start=<code> sends "/start <code>": the code is the inquiry's listing key
  (the admin maps it to an investment) and its campaign.
- A message in a group or a channel, or from a bot, is junk with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.normalization import strip_invisible
from leads.models import ActivityKind, Lead

from ..models import RawMessage, TelegramChat
from . import Inquiry, Junk, Malformed, Reading, Reply, Unreadable
from .locks import conversation_lock
from .person import MESSAGE_LENGTH, person_fields

# The deep link's parameter: up to 64 of these characters (Bot API, "Deep linking").
START = re.compile(r"^/start(?:@\w+)?(?:\s+([A-Za-z0-9_-]{1,64}))?\s*$")
# A message without text says what it was, for the advisor (the first key present wins).
CONTENT_KINDS = {
    "photo": gettext_lazy("a photo"),
    "video": gettext_lazy("a video"),
    "voice": gettext_lazy("a voice message"),
    "audio": gettext_lazy("an audio file"),
    "document": gettext_lazy("a file"),
    "sticker": gettext_lazy("a sticker"),
    "location": gettext_lazy("a location"),
}
# Telegram's ids fit in 52 bits; anything larger is not Telegram's.
ID_LIMIT = 2**53
TEXT_LENGTH = 20_000


@dataclass(frozen=True)
class Contact:
    phone: str
    first_name: str
    last_name: str
    user_id: int | None


@dataclass(frozen=True)
class Message:
    chat_id: int
    chat_type: str
    sender_id: int | None
    sender_is_bot: bool
    first_name: str
    last_name: str
    username: str
    text: str
    contact: Contact | None
    kind: str  # what a message without text carries (CONTENT_KINDS), else ""
    date: datetime | None

    @property
    def own_phone(self) -> str:
        """The phone of a contact the sender shared of themself, with its "+"."""
        contact = self.contact
        if contact is None or contact.user_id is None or contact.user_id != self.sender_id:
            return ""
        return contact.phone if contact.phone.startswith("+") else f"+{contact.phone}"


@dataclass(frozen=True)
class Update:
    update_id: int
    message: Message | None  # None: an update of another kind (edited message, callback...)

    @property
    def external_id(self) -> str:
        chat = self.message.chat_id if self.message is not None else ""
        return f"{chat}:{self.update_id}"


def update_read(body: bytes) -> Update:
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested past Python's limit
        raise Malformed("body", _("The body is not JSON.")) from None
    if not isinstance(parsed, dict):
        raise Malformed("body", _("The body is not a JSON object."))
    message = parsed.get("message")
    if message is not None and not isinstance(message, dict):
        raise Malformed("message", _("An object is required."))
    return Update(
        update_id=_id(parsed, "update_id", required=True),
        message=_message(message) if message is not None else None,
    )


def read(raw: RawMessage) -> Reading:
    try:
        message = update_read(bytes(raw.body)).message
    except Malformed as error:
        raise Unreadable(str(error)) from None
    if message is None:
        return Junk(_("A Telegram update without a message."))
    if message.chat_type != "private":
        return Junk(
            _("A message in a Telegram chat of the “%(type)s” type, not a private one.")
            % {"type": message.chat_type}
        )
    if message.sender_is_bot:
        return Junk(_("A message from a Telegram bot."))
    conversation_lock(account_id=raw.account_id, key=f"telegram:{message.chat_id}")
    chat = TelegramChat.objects.filter(account=raw.account, chat_id=message.chat_id).first()
    if chat is not None and Lead.objects.open().filter(pk=chat.lead_id).exists():
        return Reply(lead_id=chat.lead_id, kind=ActivityKind.MESSENGER, text=_said(message))
    return _inquiry(raw, message)


def _inquiry(raw: RawMessage, message: Message) -> Inquiry:
    start = START.match(message.text)
    code = (start.group(1) or "") if start else ""
    text = "" if start else _said(message, with_own_phone=False)
    data = person_fields(
        first_name=message.first_name,
        last_name=message.last_name,
        phone=message.own_phone,
        message=text,
    )
    data.update(utm_source="telegram", utm_medium="messenger")
    if code:
        data["utm_campaign"] = code
    data["submitted_at"] = message.date or raw.received_at
    attribution = {"messenger": "Telegram", "chat_id": message.chat_id}
    if raw.account.external_id:
        attribution["bot"] = raw.account.external_id
    if message.username:
        attribution["username"] = message.username
    if code:
        attribution["start"] = code
    return Inquiry(data=data, attribution=attribution, listing_key=code, chat_id=message.chat_id)


def _said(message: Message, *, with_own_phone: bool = True) -> str:
    """What the message says, as the advisor reads it on the lead."""
    parts = [message.text]
    contact = message.contact
    if contact is not None and message.own_phone:
        if with_own_phone:
            parts.append(_("Shared their phone number: %(phone)s") % {"phone": message.own_phone})
    elif contact is not None:
        name = " ".join(filter(None, [contact.first_name, contact.last_name]))
        parts.append(
            _("Shared a contact: %(name)s, %(phone)s") % {"name": name, "phone": contact.phone}
        )
    if not any(parts) and message.kind:
        parts.append(_("(Sent %(kind)s without text.)") % {"kind": CONTENT_KINDS[message.kind]})
    return "\n".join(filter(None, parts))[:MESSAGE_LENGTH]


def _message(data: dict) -> Message:
    chat = data.get("chat")
    if not isinstance(chat, dict):
        raise Malformed("message.chat", _("An object is required."))
    sender = data.get("from")
    if sender is not None and not isinstance(sender, dict):
        raise Malformed("message.from", _("An object is required."))
    sender = sender or {}
    contact = data.get("contact")
    if contact is not None and not isinstance(contact, dict):
        raise Malformed("message.contact", _("An object is required."))
    text = _text(data, "text", "message", length=TEXT_LENGTH) or _text(
        data, "caption", "message", length=TEXT_LENGTH
    )
    return Message(
        chat_id=_id(chat, "id", "message.chat", required=True),
        chat_type=_text(chat, "type", "message.chat", required=True),
        sender_id=_id(sender, "id", "message.from"),
        sender_is_bot=sender.get("is_bot") is True,
        first_name=_text(sender, "first_name", "message.from"),
        last_name=_text(sender, "last_name", "message.from"),
        username=_text(sender, "username", "message.from"),
        text=text,
        contact=_contact(contact) if contact is not None else None,
        kind=next((kind for kind in CONTENT_KINDS if data.get(kind) is not None), ""),
        date=_moment(_id(data, "date", "message")),
    )


def _contact(data: dict) -> Contact:
    return Contact(
        phone=_text(data, "phone_number", "message.contact", required=True),
        first_name=_text(data, "first_name", "message.contact"),
        last_name=_text(data, "last_name", "message.contact"),
        user_id=_id(data, "user_id", "message.contact"),
    )


def _id(data: dict, key: str, where: str = "", *, required: bool = False) -> int | None:
    """A whole number (Telegram's ids and dates); absent is None unless `required`."""
    field = f"{where}.{key}" if where else key
    value = data.get(key)
    if value is None:
        if required:
            raise Malformed(field, _("This field is required."))
        return None
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= ID_LIMIT:
        raise Malformed(field, _("A whole number is required."))
    return value


def _text(data: dict, key: str, where: str, *, required: bool = False, length: int = 300) -> str:
    field = f"{where}.{key}"
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise Malformed(field, _("This field is required."))
        return ""
    if not isinstance(value, str):
        raise Malformed(field, _("A text is required."))
    if len(value) > length:
        raise Malformed(field, _("At most %(length)d characters.") % {"length": length})
    # A message keeps its lines; names and ids lose what does not show. PostgreSQL stores
    # no NUL character in text.
    if key in ("text", "caption"):
        return value.replace("\x00", "").strip()
    return strip_invisible(value)


def _moment(seconds: int | None) -> datetime | None:
    """A message's date (Unix time); None when absent or not plausible."""
    if seconds is None or not 0 < seconds < 2**32:
        return None
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment if moment <= timezone.now() + timedelta(days=1) else None
