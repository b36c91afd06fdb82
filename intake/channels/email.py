"""The mailbox channel: one stored email (`RawMessage.body`, the .eml's bytes) read into a
`Reading`, in this order:

1. junk: an auto-reply, a bounce, a newsletter, a no-reply sender or a sender an
   administrator marked as spam (`JunkSender`) makes nothing;
2. a reply: an email answering (In-Reply-To, References) an earlier email of a lead still
   open is that lead's next inbound email conversation, its quoted history cut off;
3. a portal's notification, claimed by a `PortalParser` (`intake.channels.portals`): the
   person, message and listing the parser reads, with the portal as the source;
4. anything else: an inquiry from the sender, the body as the message.

A portal sends from a no-reply address with the person in Reply-To or the body, and may
carry newsletter headers on its notifications: an email a parser claims is judged by what
it holds, not by those headers (junk only when the parser finds no contact in a newsletter).
An email too large, or without a sender, is unreadable. Attachments of an inquiry travel
with it; `intake.services.attachments` keeps those that pass the document rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from leads.models import ActivityKind, Lead

from ..models import ChannelKind, JunkSender, Outcome, PortalParser, RawMessage
from ..services.raw import external_key
from . import Inquiry, Junk, Reading, Reply, Unreadable
from .eml import Eml, domain_of, eml_read
from .portals import (
    PortalReading,
    address_valid,
    name_split,
    parser_claiming,
    parser_refusal,
    portal_read,
    portal_source_slug,
)

MESSAGE_MAX = 5000
REPLY_MAX = 10_000
SUBJECT_MAX = 300
NO_REPLY = re.compile(r"^(no|do[-_.]?not|nie)[-_.]?(reply|odpowiadaj)\b", re.IGNORECASE)
BOUNCERS = ("mailer-daemon", "postmaster")
NEWSLETTER_PRECEDENCE = ("bulk", "list", "junk")
# Where a reply's quoted history starts: "On Mon, 1 Dec 2026, Jan <jan@example.pl> wrote:",
# "W dniu 1.12.2026 o 10:00, Jan pisze:", Gmail's Polish "… napisał(a):", Outlook's
# separators. The "On … wrote:" line may be folded in two.
QUOTE_INTRO = re.compile(
    r"^\s*(On\s.*wrote:|W dniu\s.*(pisze|napisał\(a\)|napisał|napisała):|.*\bnapisał\(a\):)\s*$",
    re.IGNORECASE,
)
QUOTE_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Wiadomość oryginalna|Oryginalna wiadomość)\s*-{2,}"
    r"|_{20,})\s*$",
    re.IGNORECASE,
)
QUOTED_FROM = re.compile(r"^\s*\*?(From|Od):\*?\s", re.IGNORECASE)
QUOTED_SENT = re.compile(r"^\s*\*?(Sent|Wysłane|Date|Data):\*?\s", re.IGNORECASE)


def read(raw: RawMessage) -> Reading:
    """The mailbox channel's reading of one stored email (see the module's docstring)."""
    body = bytes(raw.body)
    if len(body) > settings.LEJEK_INTAKE_MAX_EMAIL_BYTES:
        raise Unreadable(
            _("The email is larger than %(limit)d bytes (%(size)d).")
            % {"limit": settings.LEJEK_INTAKE_MAX_EMAIL_BYTES, "size": len(body)}
        )
    eml = eml_read(body)
    if not eml.sender:
        if not eml.message.keys():
            raise Unreadable(_("This is not an email: it has no headers."))
        raise Unreadable(_("The email has no sender address (From)."))
    parser = parser_claiming(eml)
    if reason := junk_reason(eml, claimed=parser is not None):
        return Junk(reason)
    if (lead_id := replied_lead(eml)) is not None:
        return Reply(lead_id, ActivityKind.EMAIL, reply_text(eml))
    if parser is not None:
        return portal_inquiry(parser, eml)
    return sender_inquiry(eml)


def junk_reason(eml: Eml, *, claimed: bool = False) -> str:
    """Why the email is junk, "" when it is not. `claimed`: a portal parser claims it, so
    no-reply senders and newsletter headers do not count (the portal's own ways)."""
    auto_submitted = eml.header("Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return _("Automatic message (Auto-Submitted: %(value)s).") % {"value": auto_submitted}
    for header in ("X-Autoreply", "X-Autorespond"):
        if eml.has_header(header):
            return _("Automatic reply (%(header)s).") % {"header": header}
    local_part = eml.sender.rpartition("@")[0]
    if eml.message.get_content_type() == "multipart/report" or local_part in BOUNCERS:
        return _("Delivery status notification (a bounce).")
    if pattern := junk_sender_pattern(eml):
        return _("The sender is marked as junk (%(pattern)s).") % {"pattern": pattern}
    if claimed:
        return ""
    if reason := newsletter_reason(eml):
        return reason
    if NO_REPLY.match(local_part):
        return _("Sent from a no-reply address (%(address)s).") % {"address": eml.sender}
    return ""


def newsletter_reason(eml: Eml) -> str:
    if eml.has_header("List-Unsubscribe"):
        return _("Newsletter or mailing list (List-Unsubscribe).")
    precedence = eml.header("Precedence").strip().lower()
    if precedence in NEWSLETTER_PRECEDENCE:
        return _("Newsletter or mailing list (Precedence: %(value)s).") % {"value": precedence}
    return ""


def junk_sender_pattern(eml: Eml) -> str:
    """The `JunkSender` pattern matching From or Reply-To ("jan@example.pl" or
    "@example.pl", case ignored), "" when none does."""
    addresses = {eml.sender, *(address for _name, address in eml.reply_to)}
    candidates = addresses | {"@" + domain_of(address) for address in addresses}
    return (
        JunkSender.objects.annotate(lower=Lower("pattern"))
        .filter(lower__in=sorted(candidates))
        .values_list("pattern", flat=True)
        .first()
        or ""
    )


def replied_lead(eml: Eml) -> int | None:
    """The open lead of the earlier email this one answers, if any: a Message-ID in
    In-Reply-To or References that is the id of a mailbox entry with a lead (stored, as
    `raw_store` does, through `external_key`, with or without its angle brackets)."""
    keys = set()
    for message_id in eml.references[:100]:
        keys |= {external_key(message_id), external_key(message_id.strip("<>"))}
    if not keys:
        return None
    return (
        RawMessage.objects.filter(
            channel=ChannelKind.MAILBOX,
            external_id__in=sorted(keys),
            outcome__in=(Outcome.CREATED, Outcome.APPENDED),
            lead__in=Lead.objects.open(),
        )
        .order_by("-received_at", "-id")
        .values_list("lead_id", flat=True)
        .first()
    )


def reply_text(eml: Eml) -> str:
    """ "Subject\\n\\nbody", the quoted history below the new text cut off."""
    return "\n\n".join(filter(None, [eml.subject, quote_cut(eml.text)]))[:REPLY_MAX]


def quote_cut(text: str) -> str:
    """The new part of a reply: up to its quoted history's introduction ("On … wrote:",
    "W dniu … pisze:", possibly folded over two lines; Outlook's separator or its "From:
    … Sent: …" block), without lines quoted with ">"."""
    lines = text.splitlines()
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if QUOTE_SEPARATOR.match(line) or QUOTE_INTRO.match(line):
            break
        if following and not QUOTE_INTRO.match(following):
            if QUOTE_INTRO.match(f"{line} {following}"):
                break
            if QUOTED_FROM.match(line) and QUOTED_SENT.match(following):
                break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


def portal_inquiry(parser: PortalParser, eml: Eml) -> Reading:
    """The inquiry a portal's notification holds, as its parser reads it."""
    reading = portal_read(parser, eml)
    if not reading.has_contact:
        if reason := newsletter_reason(eml):
            return Junk(reason)
        reason = _("The parser “%(parser)s” found neither an email address nor a phone number.")
        raise Unreadable(" ".join([reason % {"parser": parser.name}, *reading.notes]))
    data = {
        "first_name": reading.first_name,
        "last_name": reading.last_name,
        "email": reading.email,
        "phone": reading.phone,
        "message": reading.message,
        "utm_source": portal_source_slug(parser)[:200],
        "utm_medium": "email",
    }
    if eml.date is not None:
        data["submitted_at"] = eml.date
    return Inquiry(
        data={key: value for key, value in data.items() if value},
        attribution={
            "portal": parser.name,
            "listing": reading.listing,
            "subject": eml.subject[:SUBJECT_MAX],
        },
        listing_key=reading.listing,
        source_id=parser.source_id,
        attachments=eml.attachments(),
    )


def sender_inquiry(eml: Eml) -> Inquiry:
    """An inquiry from the email's sender: their name and address, the body (or, when it
    has none, the subject) as the message."""
    if not address_valid(eml.sender):
        raise Unreadable(
            _("The sender’s address “%(address)s” is not valid.") % {"address": eml.sender[:300]}
        )
    message = eml.text or eml.subject
    attachments = eml.attachments()
    if not message and not attachments:
        raise Unreadable(_("The email has neither a subject, nor a text, nor attachments."))
    first_name, last_name = name_split(eml.sender_name)
    data = {
        "first_name": first_name[:100],
        "last_name": last_name[:100],
        "email": eml.sender,
        "message": message[:MESSAGE_MAX],
        "utm_medium": "email",
    }
    if eml.date is not None:
        data["submitted_at"] = eml.date
    return Inquiry(
        data={key: value for key, value in data.items() if value},
        attribution={"subject": eml.subject[:SUBJECT_MAX]},
        attachments=attachments,
    )


@dataclass
class Trial:
    """What a parser would make of an email (the admin's "try this parser"): why it does
    not claim it, or what it reads; and whether the mailbox would take the email for junk
    first."""

    refusal: str = ""
    reading: PortalReading | None = None
    junk: str = ""
    subject: str = ""
    attachments: list[str] = field(default_factory=list)


def parser_try(parser: PortalParser, body: bytes) -> Trial:
    """Read `body` (a pasted email) with `parser` alone, active or not; writes nothing."""
    eml = eml_read(body)
    trial = Trial(subject=eml.subject, refusal=parser_refusal(parser, eml))
    if not eml.sender:
        trial.refusal = _("The email has no sender address (From).")
    if trial.refusal:
        return trial
    trial.junk = junk_reason(eml, claimed=True)
    trial.reading = portal_read(parser, eml)
    trial.attachments = [attachment.name for attachment in eml.attachments()]
    return trial
