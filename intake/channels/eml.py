"""One stored email (its .eml bytes) read into what the mailbox channel decides on: the
sender, Reply-To, subject, date, the ids it replies to, its text and its attachments.

The standard library's `email` package with the modern policy does the MIME work: any
charset (windows-1250 and iso-8859-2 included), quoted-printable and base64, RFC 2047
headers. What is on top of it is made to never raise on a bad email: a broken header, an
unknown charset, raw 8-bit bytes in a header or NUL characters come out as readable text,
because one strange email must not stop a mailbox, and PostgreSQL refuses NUL in text.
An HTML-only body becomes text with its lines kept (`html_text`): the portal parsers read
"label: value" lines, which an HTML table writes as rows and cells.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

import lxml.html
from lxml import etree

from . import Attachment

# Message ids in In-Reply-To and References: "<local@host>", possibly folded.
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass
class Eml:
    message: EmailMessage
    sender: str  # From's address, lower case; "" when there is none
    sender_name: str
    reply_to: list[tuple[str, str]]  # (name, address lower case)
    subject: str
    date: datetime | None
    text: str  # the body as text: text/plain, else the HTML's text
    html: str  # the HTML body's source, "" when there is none
    references: list[str] = field(default_factory=list)  # In-Reply-To's ids, then References'

    def header(self, name: str) -> str:
        return header_text(self.message, name)

    def has_header(self, name: str) -> bool:
        return name in self.message

    def attachments(self) -> list[Attachment]:
        """The parts sent as attachments (Content-Disposition: attachment). Inline parts
        (a portal's logo in its HTML) are the email's look, not the person's files."""
        found = []
        for part in self.message.walk():
            if part.is_multipart() or part.get_content_disposition() != "attachment":
                continue
            try:
                name = part.get_filename() or ""
            except Exception:  # noqa: BLE001 - a broken RFC 2231 name: the file is still there
                name = ""
            content = part.get_payload(decode=True) or b""
            found.append(Attachment(clean(name), part.get_content_type(), content))
        return found


def eml_read(body: bytes) -> Eml:
    """Read an email's bytes; never raises (a header that cannot be read is empty)."""
    message = email.message_from_bytes(bytes(body), policy=email.policy.default)
    senders = addresses(message, "From")
    name, address = senders[0] if senders else ("", "")
    references = []
    for header in ("In-Reply-To", "References"):
        for found in MESSAGE_ID.findall(header_text(message, header)):
            if found not in references:
                references.append(found)
    text, html = _body(message)
    return Eml(
        message=message,
        sender=address,
        sender_name=name,
        reply_to=addresses(message, "Reply-To"),
        subject=" ".join(header_text(message, "Subject").split()),
        date=_date(message),
        text=text,
        html=html,
        references=references,
    )


def clean(text: str) -> str:
    """Text safe to show and store: bytes the parser kept as surrogates (raw 8-bit in a
    header) read as UTF-8, else as windows-1250 (Polish mail clients' usual); no NUL."""
    if _has_raw_bytes(text):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1250", "replace")
    return text.replace("\x00", "")


def _has_raw_bytes(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


def _raw_header(message: Message, name: str) -> str | None:
    name = name.lower()
    return next((str(value) for key, value in message.raw_items() if key.lower() == name), None)


def header_text(message: Message, name: str) -> str:
    """A header's decoded value, "" when missing. Raw 8-bit bytes (no RFC 2047 words,
    which the policy would turn into "\ufffd") are read by `clean`; a header the policy
    cannot parse is decoded from its raw value."""
    raw = _raw_header(message, name)
    if raw is None:
        return ""
    if _has_raw_bytes(raw):
        return clean(raw)
    try:
        return clean(str(message.get(name)))
    except Exception:  # noqa: BLE001 - the email package raises odd errors on broken headers
        try:
            return clean(str(make_header(decode_header(raw))))
        except Exception:  # noqa: BLE001
            return clean(raw)


def addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """The (name, address) pairs of an address header, addresses in lower case; pairs
    without an address left out."""
    raw = _raw_header(message, name)
    if raw is None:
        return []
    try:
        if _has_raw_bytes(raw):
            raise ValueError("raw 8-bit header")
        pairs = [(item.display_name, item.addr_spec) for item in message.get(name).addresses]
    except Exception:  # noqa: BLE001 - fall back to the lenient parser of the text
        pairs = getaddresses([header_text(message, name)])
    return [
        (" ".join(clean(display).split()), clean(address).strip().lower())
        for display, address in pairs
        if "@" in (address or "")
    ]


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def _date(message: Message) -> datetime | None:
    """The Date header as an aware datetime (no zone given: UTC), None when unreadable or
    outside 2000–2100 (lead_receive's limits)."""
    try:
        value = parsedate_to_datetime(header_text(message, "Date"))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value if 2000 <= value.year <= 2100 else None


def _body(message: EmailMessage) -> tuple[str, str]:
    """(text, html source): the text/plain body when it says something, else the HTML
    body's text."""
    plain = html = ""
    for kind in ("plain", "html"):
        try:
            part = message.get_body(preferencelist=(kind,))
        except Exception:  # noqa: BLE001 - a broken MIME tree: read what there is
            part = None
        if part is not None:
            if kind == "plain":
                plain = part_text(part)
            else:
                html = part_text(part)
    if not plain.strip() and not html and not message.is_multipart():
        # No usable Content-Type (or none at all): the payload as text.
        plain = part_text(message)
    text = plain if plain.strip() else html_text(html)
    return _tidy(text), html


def part_text(part: Message) -> str:
    """A text part decoded: its transfer encoding undone, then its charset (an unknown or
    wrong one: UTF-8 if the bytes are that, else windows-1250)."""
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = str(part.get_payload() or "").encode("utf-8", "surrogateescape")
    charset = part.get_content_charset() or "utf-8"
    try:
        return clean(payload.decode(charset))
    except (LookupError, UnicodeDecodeError):
        pass
    try:
        return clean(payload.decode("utf-8"))
    except UnicodeDecodeError:
        return clean(payload.decode("cp1250", "replace"))


def _tidy(text: str) -> str:
    """Lines without trailing spaces, at most one empty line in a row, none at the ends."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip("\n")


# -- HTML to text --------------------------------------------------------------------------

# Elements that end a line, and those that end a paragraph (an empty line after them).
LINE_BREAKING = {
    "address", "article", "aside", "blockquote", "br", "center", "dd", "div", "dl", "dt",
    "fieldset", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "pre",
    "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
}  # fmt: skip
PARAGRAPH_BREAKING = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}
CELLS = {"td", "th"}
UNSEEN = {"head", "script", "style", "title", "template", "noscript"}


def html_text(html: str) -> str:
    """The text an HTML email shows, lines as it lays them out: blocks and rows end a
    line, paragraphs and headings leave an empty line, a table's cells are separated by a
    tab (so that "E-mail" | "jan@example.pl" reads as one labelled line); nothing of
    <head>, scripts or styles."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(
            html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except (etree.ParserError, ValueError):
        return ""
    out = _TextWriter()
    _write(root, out)
    return out.text()


class _TextWriter:
    """Collects text and breaks: HTML's whitespace collapses to one space, and several
    breaks in a row make the strongest of them; nothing before the first text."""

    ORDER = ("", " ", "\t", "\n", "\n\n")

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.pending = ""

    def text(self) -> str:
        return "".join(self.chunks)

    def write(self, text: str) -> None:
        words = " ".join(text.split())  # any whitespace, no-break spaces too, is one space
        if not words:
            self.brk(" " if text else "")
            return
        if text[0].isspace():
            self.brk(" ")
        if self.chunks and self.pending:
            self.chunks.append(self.pending)
        self.chunks.append(words)
        self.pending = " " if text[-1].isspace() else ""

    def brk(self, kind: str) -> None:
        if self.ORDER.index(kind) > self.ORDER.index(self.pending):
            self.pending = kind


def _write(element, out: _TextWriter) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in UNSEEN or not tag:
        # Comments and processing instructions show nothing but their tail.
        if element.tail:
            out.write(element.tail)
        return
    if tag in PARAGRAPH_BREAKING:
        out.brk("\n\n")
    elif tag in LINE_BREAKING:
        out.brk("\n")
    if element.text:
        out.write(element.text)
    for child in element:
        _write(child, out)
    if tag in PARAGRAPH_BREAKING:
        out.brk("\n\n")
    elif tag in LINE_BREAKING:
        out.brk("\n")
    elif tag in CELLS:
        out.brk("\t")
    if element.tail:
        out.write(element.tail)
