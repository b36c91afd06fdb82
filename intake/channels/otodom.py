"""Otodom through OLX Group's Real Estate API: the `incoming_message` notifications that a
listing's inquiries arrive as (https://developer.olxgroup.com/docs/incoming-message).

A notification, as OLX documents it (webhooks: /docs/webhooks):

    {"transaction_id": "…", "object_id": "…", "flow": "incoming_message",
     "event_type": "incoming_message_success", "timestamp": 1524148443449,
     "data": {"uuid": "…", "ad_id": 9846457, "conversation_id": "…", "id": 208853314,
              "sender_name": "John Doe", "sender_email": "…", "sender_phone": 961231212,
              "message": "…", "created_at": "2018-07-16T11:04:50.000+0100", "from": "…"}}

OLX's own examples send `ad_id` and `sender_phone` as numbers, so a number or a text is
read for them (and for the ids); any other type is refused with the field named.

- `envelope_read(body)`: the notification's common part, which the signature covers
  (`intake.hooks.otodom` checks it before anything else is read).
- `message_read(envelope)`: an `incoming_message`'s data.
- `read(raw)`: what a stored notification is. A flow other than `incoming_message` (an
  app also subscribed to advert events) is junk with the flow named. A message of a
  conversation whose earlier message made a lead that is still open is a `Reply` on that
  lead; the same text sent again in a conversation (the sender clicked twice: OLX's "Leads
  errors" page says this happens) is junk; anything else is an `Inquiry` for the listing
  (`ad_id`, which the admin maps to an investment as a `Listing`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.normalization import strip_invisible
from leads.models import Activity, ActivityDirection, ActivityKind, Lead

from ..models import RawMessage
from . import Inquiry, Junk, Malformed, Reading, Reply, Unreadable
from .locks import conversation_lock
from .person import name_split, person_fields

FLOW = "incoming_message"
# How far back a conversation's earlier messages are looked for: a conversation taken up
# again after this long is a new inquiry (and the search stays on the account's recent
# entries, which the raw log's (account, received_at) index reads).
CONVERSATION_WINDOW = timedelta(days=180)
ID_LENGTH = 100
FIELD_LENGTH = 300
TEXT_LENGTH = 20_000


@dataclass(frozen=True)
class Envelope:
    flow: str
    transaction_id: str
    object_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Message:
    uuid: str
    ad_id: str
    conversation_id: str
    sender_name: str
    sender_email: str
    sender_phone: str
    text: str
    site: str
    created_at: datetime | None


def envelope_read(body: bytes) -> Envelope:
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested past Python's limit
        raise Malformed("body", _("The body is not JSON.")) from None
    if not isinstance(parsed, dict):
        raise Malformed("body", _("The body is not a JSON object."))
    return Envelope(
        flow=_text(parsed, "flow", required=True, top=True),
        transaction_id=_text(parsed, "transaction_id", required=True, top=True, length=255),
        object_id=_text(parsed, "object_id", required=True, top=True, length=255),
        body=parsed,
    )


def message_read(envelope: Envelope) -> Message:
    data = envelope.body.get("data")
    if not isinstance(data, dict):
        raise Malformed("data", _("An object is required."))
    return Message(
        uuid=_text(data, "uuid", required=True, length=255),
        ad_id=_text(data, "ad_id", numbers=True),
        conversation_id=_text(data, "conversation_id", numbers=True),
        sender_name=_text(data, "sender_name", length=FIELD_LENGTH),
        sender_email=_text(data, "sender_email", length=FIELD_LENGTH),
        sender_phone=_text(data, "sender_phone", numbers=True),
        text=_text(data, "message", length=TEXT_LENGTH),
        site=_text(data, "from"),
        created_at=_moment(_text(data, "created_at")),
    )


def notification_read(body: bytes) -> tuple[Envelope, Message | None]:
    """The notification and, for the incoming_message flow, its message."""
    envelope = envelope_read(body)
    return envelope, message_read(envelope) if envelope.flow == FLOW else None


def delivery_id(envelope: Envelope, message: Message | None) -> str:
    """The delivery's stable id: an incoming message's uuid; for another flow's event, the
    transaction (OLX retries a notification with the same one)."""
    return message.uuid if message is not None else f"{envelope.flow}:{envelope.transaction_id}"


def read(raw: RawMessage) -> Reading:
    try:
        envelope, message = notification_read(bytes(raw.body))
    except Malformed as error:
        raise Unreadable(str(error)) from None
    if message is None:
        return Junk(
            _("An OLX notification of the “%(flow)s” flow, not an inquiry.")
            % {"flow": envelope.flow}
        )
    lead = _conversation_lead(raw, message)
    if lead is not None:
        reply = _reply_text(message)
        if _said_before(lead, message, reply):
            return Junk(_("The same message again in this Otodom conversation."))
        if Lead.objects.open().filter(pk=lead.pk).exists():
            return Reply(lead_id=lead.pk, kind=ActivityKind.MESSENGER, text=reply)
    first_name, last_name = name_split(message.sender_name)
    data = person_fields(
        first_name=first_name,
        last_name=last_name,
        email=message.sender_email,
        phone=message.sender_phone,
        message=message.text,
    )
    data.update(utm_source="otodom", utm_medium="portal")
    data["submitted_at"] = message.created_at or raw.received_at
    attribution = {
        "portal": "Otodom",
        "listing": message.ad_id,
        "conversation_id": message.conversation_id,
    }
    if message.site:
        attribution["site"] = message.site
    return Inquiry(data=data, attribution=attribution, listing_key=message.ad_id)


def _conversation_lead(raw: RawMessage, message: Message) -> Lead | None:
    """The lead the conversation's latest earlier inquiry went to (its entry keeps the
    conversation id in its attribution), once the conversation's other messages being
    processed are done."""
    if not message.conversation_id:
        return None
    conversation_lock(account_id=raw.account_id, key=f"otodom:{message.conversation_id}")
    earlier = (
        RawMessage.objects.filter(
            account=raw.account,
            received_at__gte=raw.received_at - CONVERSATION_WINDOW,
            lead__isnull=False,
            attribution__conversation_id=message.conversation_id,
        )
        .exclude(pk=raw.pk)
        .select_related("lead")
        .order_by("-received_at", "-id")
        .first()
    )
    return earlier.lead if earlier is not None else None


def _said_before(lead: Lead, message: Message, reply: str) -> bool:
    text = message.text.strip()
    if not text:
        return False
    return lead.message.strip() == text or (
        Activity.objects.filter(
            lead=lead, direction=ActivityDirection.INBOUND, notes=reply
        ).exists()
    )


def _reply_text(message: Message) -> str:
    heading = _("Message on Otodom (listing %(listing)s):") % {"listing": message.ad_id or "—"}
    return f"{heading}\n{message.text.strip()}"[:TEXT_LENGTH]


def _text(
    data: dict, key: str, *, required: bool = False, numbers: bool = False, top: bool = False,
    length: int = ID_LENGTH,
) -> str:  # fmt: skip
    """A field as text, its invisible characters gone (a message keeps its lines): a
    string (or, with `numbers`, a whole number) or absent/null; anything else is refused
    with the field named (`data.<key>` unless `top`)."""
    field = key if top else f"data.{key}"
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise Malformed(field, _("This field is required."))
        return ""
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        expected = _("A text or a whole number is required.") if numbers else None
        raise Malformed(field, expected or _("A text is required."))
    if len(value) > length:
        raise Malformed(field, _("At most %(length)d characters.") % {"length": length})
    return value.replace("\x00", "") if key == "message" else strip_invisible(value)


def _moment(value: str) -> datetime | None:
    """OLX's created_at ("2018-07-16T11:04:50.000+0100"); None when absent, unreadable or
    not a plausible moment of a message (before 2000 or in the future)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    now = timezone.now()
    if not now.replace(year=2000) <= moment <= now + timedelta(days=1):
        return None
    return moment
