"""The emails `bench_channels` puts in its Dovecot, all made from the .eml fixtures of the
tests (tests/data/portal_emails), read by the mailbox channel's own functions:

- a portal's notification (a parser claims it and reads a contact from it) and an email
  a person wrote themselves (no parser claims it, not junk, not a reply) are copied with
  a person of the run's own: their name, email and phone replaced wherever the fixture
  writes its person's (headers, text and HTML parts; a phone keeps the way it was typed);
- a reply (it names an earlier email in In-Reply-To or References) is copied from the
  person of an earlier inquiry of the same batch, answering that inquiry's Message-ID;
- junk (an auto-reply, a bounce, a newsletter) is copied as it is.

Every copy gets a Message-ID and a Date of its own. Each inquiry template is read back
once, as a copy, through the parser: one whose copy would still carry the fixture's
contact (a phone the replacement did not recognise) is left out and said so, since a
shared contact would make later copies join the first one's client and the counts would
be wrong.
"""

from __future__ import annotations

import email
import html
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from crm.core.normalization import fold_name
from leads.bench.people import SURNAMES_FEMININE, SURNAMES_MASCULINE
from leads.demo.data import FEMALE_FIRST_NAMES, MALE_FIRST_NAMES

from ..channels.email import junk_reason
from ..channels.eml import eml_read
from ..channels.portals import (
    PortalReading,
    address_valid,
    name_split,
    parser_claiming,
    phone_e164,
    portal_read,
)

FIXTURES = Path(settings.BASE_DIR) / "tests" / "data" / "portal_emails"
# What an email is, for the benchmark's counts.
INQUIRY, REPLY, JUNK = "inquiry", "reply", "junk"
# Template kinds: an inquiry is a portal's notification or a person's own email.
PORTAL, DIRECT = "portal", "direct"
# Phone numbers of the benchmark's people: a Polish mobile range (57x) that the bench data
# (leads.bench.people) never gives a client, so no inquiry is taken for a client's.
PHONE_PREFIX = "57"
# A run of digits, spaces and the signs people write phone numbers with (in HTML, spaces
# may be &nbsp;).
PHONE_LIKE = re.compile(r"(?:\+|\(\+?)?\d(?:[\d \-()./\u00a0]|&nbsp;){6,40}\d")


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str  # E.164

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class Template:
    name: str  # the fixture's file name
    kind: str  # PORTAL, DIRECT, REPLY or JUNK
    body: bytes
    portal: str = ""  # the parser that claims it
    # The fixture's own person, as the channel reads them (their contact is replaced).
    person: PortalReading = field(default_factory=PortalReading)


@dataclass
class Mail:
    message_id: str
    kind: str  # INQUIRY, REPLY or JUNK
    body: bytes
    template: str  # the fixture's name
    portal: str = ""  # the parser's name; "" for an email a person wrote themselves
    person: Person | None = None
    # The contact the lead must have: email and phone (E.164), "" where the template has
    # none (OLX relays the person's emails: a phone only; a person's own email: no phone).
    email: str = ""
    phone: str = ""
    replies_to: str = ""  # the Message-ID of the inquiry a reply answers


@dataclass
class MailSet:
    """The templates found in the fixtures, by kind, and the fixtures left out (why)."""

    run_id: str
    templates: dict[str, list[Template]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def of(self, kind: str) -> list[Template]:
        return self.templates.get(kind, [])

    def build(
        self, count: int, *, start: int = 0, junk_share: float = 0.1,
        reply_share: float = 0.05, direct_share: float = 0.1,
    ) -> list[Mail]:  # fmt: skip
        """`count` emails in the order they arrive: portals' notifications (each template
        in turn) and the given shares of junk, replies and people's own emails (none of a
        kind without templates); a reply always comes after the inquiry it answers.
        `start`: the first email's number (in its Message-ID and its person's address),
        so that the batches of a run differ."""
        rng = random.Random(f"{self.run_id}/{start}")
        shares = {JUNK: junk_share, REPLY: reply_share, DIRECT: direct_share}
        kinds = [kind for kind, share in shares.items() for _ in range(round(count * share))]
        kinds = [kind for kind in kinds if self.of(kind)]
        kinds += [PORTAL] * (count - len(kinds))
        rng.shuffle(kinds)
        _replies_after_inquiries(kinds)
        now = timezone.now()
        mails: list[Mail] = []
        inquiries: list[Mail] = []
        turns = dict.fromkeys((PORTAL, DIRECT, REPLY, JUNK), 0)
        for number, kind in enumerate(kinds, start=start):
            templates = self.of(kind)
            template = templates[turns[kind] % len(templates)]
            turns[kind] += 1
            message_id = f"<{self.run_id}.{number}.{kind}@bench.lejek.example>"
            if kind in (PORTAL, DIRECT):
                person = person_for(self.run_id, number, rng)
                mail = Mail(
                    message_id, INQUIRY, copy_of(template, message_id, now, person),
                    template.name, portal=template.portal, person=person,
                    email=person.email if template.person.email else "",
                    phone=person.phone if kind == PORTAL and template.person.phone else "",
                )  # fmt: skip
                inquiries.append(mail)
            elif kind == REPLY:
                earlier = inquiries[rng.randrange(len(inquiries))]
                body = copy_of(template, message_id, now, earlier.person, earlier.message_id)
                mail = Mail(message_id, REPLY, body, template.name, replies_to=earlier.message_id)
            else:
                mail = Mail(message_id, JUNK, copy_of(template, message_id, now), template.name)
            mails.append(mail)
        return mails


def mail_set(run_id: str, fixtures: Path = FIXTURES) -> MailSet:
    """The templates of the fixtures in `fixtures` (*.eml), each inquiry template checked
    by a copy read back through its parser."""
    found = MailSet(run_id)
    for path in sorted(fixtures.glob("*.eml")):
        template, why = template_load(path)
        if template is not None and template.kind in (PORTAL, DIRECT):
            why = copy_problem(template, person_for(run_id, 0, random.Random(path.name)))
        if template is None or why:
            found.skipped[path.name] = why
        else:
            found.templates.setdefault(template.kind, []).append(template)
    return found


def template_load(path: Path) -> tuple[Template | None, str]:
    """The fixture as a template, as the mailbox channel would read it; else why not."""
    body = path.read_bytes()
    eml = eml_read(body)
    parser = parser_claiming(eml)
    if junk_reason(eml, claimed=parser is not None):
        return Template(path.name, JUNK, body), ""
    if parser is not None:
        reading = portal_read(parser, eml)
        if not reading.has_contact:
            return None, f"{parser.name}'s parser finds no contact in it"
        return Template(path.name, PORTAL, body, parser.name, reading), ""
    first_name, last_name = name_split(eml.sender_name)
    person = PortalReading(first_name, last_name, eml.sender, phone_e164(eml.text))
    if eml.references:
        return Template(path.name, REPLY, body, person=person), ""
    if not address_valid(eml.sender):
        return None, "no parser claims it and its sender's address is not valid"
    return Template(path.name, DIRECT, body, person=person), ""


def copy_problem(template: Template, person: Person) -> str:
    """Why a copy of an inquiry template would not be the new person's inquiry, "" when
    it is."""
    copy = copy_of(template, "<check@bench.lejek.example>", timezone.now(), person)
    eml = eml_read(copy)
    parser = parser_claiming(eml)
    if (parser.name if parser else "") != template.portal:
        return "a copy is claimed by another parser"
    old = template.person
    if parser is None:
        email_read, phone_read = eml.sender, phone_e164(eml.text) if old.phone else ""
    else:
        reading = portal_read(parser, eml)
        email_read, phone_read = reading.email, reading.phone
    if email_read != (person.email if old.email else ""):
        return f"a copy's email is {email_read!r}"
    if phone_read != (person.phone if old.phone else ""):
        return f"a copy's phone is {phone_read!r}"
    return ""


def person_for(run_id: str, number: int, rng: random.Random) -> Person:
    """A person of the run's own: their address names the run and the number, their phone
    is in the benchmark's range."""
    if rng.random() < 0.5:
        first, last = rng.choice(FEMALE_FIRST_NAMES), rng.choice(SURNAMES_FEMININE)
    else:
        first, last = rng.choice(MALE_FIRST_NAMES), rng.choice(SURNAMES_MASCULINE)
    local = f"{fold_name(first)}.{fold_name(last)}".replace(" ", "")
    address = f"{local}.{run_id}.{number}@example.com"
    phone = f"+48{PHONE_PREFIX}{(int(run_id[-6:]) * 1000 + number) % 10**7:07d}"
    return Person(first, last, address.lower(), phone)


def copy_of(
    template: Template, message_id: str, at: datetime, person: Person | None = None,
    answers: str = "",
) -> bytes:  # fmt: skip
    """The template with a Message-ID and a Date of its own, the person in place of the
    fixture's, and (a reply) answering the Message-ID `answers`."""
    message = email.message_from_bytes(template.body, policy=policy.default)
    if person is not None:
        replace = replacer(template.person, person)
        for part in message.walk():
            if part.get_content_maintype() != "text" or part.is_attachment():
                continue
            text = part.get_content()
            if (changed := replace(text)) != text:
                _text_set(part, changed)
        for header in ("From", "Reply-To", "Subject"):
            value = message.get(header)
            if value is not None and (changed := replace(str(value))) != str(value):
                message.replace_header(header, changed)
    if answers:
        _header_set(message, "In-Reply-To", answers)
        _header_set(message, "References", answers)
    _header_set(message, "Message-ID", message_id)
    _header_set(message, "Date", format_datetime(at))
    return message.as_bytes(policy=policy.SMTP)


def replacer(old: PortalReading, new: Person) -> Callable[[str], str]:
    """A function that writes the new person where the old one was written."""
    steps: list[tuple[re.Pattern, Callable[[re.Match], str]]] = []
    if old.email:
        steps.append((re.compile(re.escape(old.email), re.IGNORECASE), lambda m: new.email))
    if old.phone:

        def phone(match: re.Match) -> str:
            written = match.group(0)
            if phone_e164(html.unescape(written)) != old.phone:
                return written
            return _digits_swapped(written, new.phone)

        steps.append((PHONE_LIKE, phone))
    names = []
    if old.first_name and old.last_name:
        names.append((f"{old.first_name} {old.last_name}", new.full_name))
        names.append((f"{old.last_name} {old.first_name}", f"{new.last_name} {new.first_name}"))
    names += [(old.first_name, new.first_name), (old.last_name, new.last_name)]
    for was, now in names:
        if was:
            pattern = re.compile(r"(?<!\w)" + re.escape(was) + r"(?!\w)")
            steps.append((pattern, lambda m, now=now: now))

    def replace(text: str) -> str:
        for pattern, write in steps:
            text = pattern.sub(write, text)
        return text

    return replace


def _digits_swapped(written: str, e164: str) -> str:
    """The number as it was written (spaces, dashes, a +48 or not), with the new number's
    last nine digits in place of the old one's."""
    digits = list(e164[-9:])
    out = list(written)
    for index in range(len(out) - 1, -1, -1):
        if not digits:
            break
        if out[index].isdigit():
            out[index] = digits.pop()
    return "".join(out)


def _text_set(part: EmailMessage, text: str) -> None:
    charset = part.get_content_charset() or "utf-8"
    try:
        text.encode(charset)
    except (LookupError, UnicodeEncodeError):
        charset = "utf-8"
    cte = (part.get("Content-Transfer-Encoding") or "").strip().lower()
    if cte not in ("base64", "quoted-printable"):
        cte = "7bit" if text.isascii() else "quoted-printable"
    part.set_content(text, subtype=part.get_content_subtype(), charset=charset, cte=cte)


def _header_set(message: EmailMessage, name: str, value: str) -> None:
    del message[name]
    message[name] = value


def _replies_after_inquiries(kinds: list[str]) -> None:
    """Move a reply that no inquiry precedes to where the first inquiry was (and that
    inquiry to the reply's place): every later reply then follows an inquiry."""
    for index, kind in enumerate(kinds):
        if kind in (PORTAL, DIRECT):
            return
        if kind == REPLY:
            later = next(i for i in range(index, len(kinds)) if kinds[i] in (PORTAL, DIRECT))
            kinds[index], kinds[later] = kinds[later], kinds[index]
            return
