"""Portal notification emails read by `PortalParser`s, the data an administrator edits.

A parser claims an email when it is active, the sender's domain is one of its domains (or
a subdomain of one) and, if it has a subject pattern, the subject contains a match (case
ignored). It then reads "label: value" lines by its rules ("Imię i nazwisko: full_name"):
a field's value is the rest of its label's line (or the next line when that is empty); a
message runs on over the following lines up to the next known label or an empty line. A
label may be followed by a colon or, as an HTML table's cells read (`eml.html_text`), by a
tab. The first line of each field wins.

Used by the mailbox channel (`intake.channels.email`) and by the admin's "try this parser",
which shows what `portal_read` returns; neither writes anything here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.core.normalization import normalize_phone

from ..models import PortalParser
from .eml import Eml, domain_of

FIELDS = ("full_name", "first_name", "last_name", "email", "phone", "message", "listing")
MESSAGE_MAX = 5000
NAME_MAX = 100
LISTING_MAX = 100
# Admin-written patterns run over at most this much of an email.
SEARCHED_MAX = 200_000
# An address within a value ("jan@example.pl <mailto:jan@example.pl>").
ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


@dataclass(frozen=True)
class Rule:
    label: str
    field: str


@dataclass
class PortalReading:
    """What a parser read from an email: the person, their message, the listing, and
    notes on what it could not take (an invalid phone, a listing pattern that failed)."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    message: str = ""
    listing: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def has_contact(self) -> bool:
        return bool(self.email or self.phone)


def rules_parse(text: str) -> list[Rule]:
    """A parser's rules, one "label: field" a line; raises ValueError naming the first
    line that is not one (the admin's form shows it)."""
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, colon, name = line.rpartition(":")
        label, name = label.strip().rstrip(":").strip(), name.strip()
        if not colon or not label or name not in FIELDS:
            raise ValueError(
                _("Line %(number)d (“%(line)s”) is not “label: field” with a field of: %(fields)s.")
                % {"number": number, "line": line.strip(), "fields": ", ".join(FIELDS)}
            )
        rules.append(Rule(label, name))
    return rules


def parser_domains(parser: PortalParser) -> list[str]:
    domains = (
        line.strip().lower().lstrip("@").removeprefix("*.")
        for line in parser.sender_domains.splitlines()
    )
    return [domain.rstrip(".") for domain in domains if domain]


def domain_matches(domain: str, domains: list[str]) -> bool:
    return any(domain == known or domain.endswith("." + known) for known in domains)


def parser_refusal(parser: PortalParser, eml: Eml) -> str:
    """Why the parser does not claim the email, "" when it does."""
    domain = domain_of(eml.sender)
    domains = parser_domains(parser)
    if not domain_matches(domain, domains):
        return _("The sender’s domain “%(domain)s” is not one of the parser’s (%(domains)s).") % {
            "domain": domain or "-",
            "domains": ", ".join(domains) or "-",
        }
    if parser.subject_pattern:
        try:
            found = re.search(parser.subject_pattern, eml.subject, re.IGNORECASE)
        except re.error as error:
            return _("The subject pattern is not a valid regular expression: %(error)s.") % {
                "error": error
            }
        if found is None:
            return _("The subject “%(subject)s” does not match the pattern “%(pattern)s”.") % {
                "subject": eml.subject,
                "pattern": parser.subject_pattern,
            }
    return ""


def parser_claiming(eml: Eml) -> PortalParser | None:
    """The first active parser, by priority, that claims the email."""
    if not eml.sender:
        return None
    for parser in PortalParser.objects.filter(active=True).select_related("source"):
        if not parser_refusal(parser, eml):
            return parser
    return None


def portal_source_slug(parser: PortalParser) -> str:
    """The portal as a UTM source: its lead source's slug, else its name's."""
    return parser.source.slug if parser.source_id else slugify(parser.name)


def portal_read(parser: PortalParser, eml: Eml) -> PortalReading:
    """Read the person, the message and the listing from an email the parser claims."""
    try:
        rules = rules_parse(parser.rules)
    except ValueError as error:
        return PortalReading(notes=[str(error)])
    values = label_values(eml.text, rules)
    reading = PortalReading(message=values.get("message", "")[:MESSAGE_MAX])
    first, last = values.get("first_name", ""), values.get("last_name", "")
    if not (first or last) and values.get("full_name"):
        first, last = name_split(values["full_name"])
    reading.email = _address(values.get("email", ""), reading)
    if not reading.email and parser.prefer_reply_to:
        domains = parser_domains(parser)
        for name, address in eml.reply_to:
            if not domain_matches(domain_of(address), domains) and address_valid(address):
                reading.email = address
                if not (first or last):
                    first, last = name_split(name)
                break
    reading.first_name, reading.last_name = first[:NAME_MAX], last[:NAME_MAX]
    if values.get("phone"):
        reading.phone = phone_e164(values["phone"])
        if not reading.phone:
            given = _("Phone as given: %(phone)s") % {"phone": values["phone"]}
            reading.notes.append(given)
            reading.message = "\n\n".join(filter(None, [reading.message, given]))[:MESSAGE_MAX]
    reading.listing = values.get("listing", "")[:LISTING_MAX]
    if not reading.listing and parser.listing_pattern:
        reading.listing = _listing_found(parser.listing_pattern, eml, reading)
    return reading


def label_values(text: str, rules: list[Rule]) -> dict[str, str]:
    """The fields' values in `text` by the rules (see the module's docstring)."""
    # Longer labels first: "Telefon kontaktowy" before "Telefon".
    matchers = [
        (
            re.compile(r"\s*" + re.escape(rule.label) + r"[ ]*(?:[:\t]|$)\s*(.*)$", re.IGNORECASE),
            rule.field,
        )
        for rule in sorted(rules, key=lambda rule: -len(rule.label))
    ]

    def labelled(line: str) -> tuple[str, str] | None:
        for matcher, name in matchers:
            if found := matcher.match(line):
                return name, found.group(1).strip()
        return None

    lines = text.splitlines()
    values: dict[str, str] = {}
    for index, line in enumerate(lines):
        found = labelled(line)
        if found is None or found[0] in values:
            continue
        name, rest = found
        following = lines[index + 1 :]
        if name == "message":
            taken = [rest] if rest else []
            for next_line in following:
                if labelled(next_line) is not None or (taken and not next_line.strip()):
                    break
                if next_line.strip():
                    taken.append(next_line.strip())
            values[name] = "\n".join(taken)
        elif rest:
            values[name] = " ".join(rest.split())
        else:
            # The value on the next line, as a label alone on its line announces it.
            for next_line in following[:3]:
                if labelled(next_line) is not None:
                    break
                if next_line.strip():
                    values[name] = " ".join(next_line.split())
                    break
    return {name: value for name, value in values.items() if value}


def name_split(full_name: str) -> tuple[str, str]:
    """ "Anna Maria Nowak" → ("Anna Maria", "Nowak"): the last word is the last name; one
    word is a first name. An address given as a name is no name."""
    words = full_name.split()
    if not words or "@" in full_name:
        return "", ""
    if len(words) == 1:
        return words[0], ""
    return " ".join(words[:-1]), words[-1]


def phone_e164(text: str) -> str:
    """The phone number in a value, in E.164 ("+48600123456"), "" when it holds none: the
    whole value as a number first, else the first valid number written in it ("600 123
    456 (po 16:00)")."""
    try:
        return normalize_phone(text)
    except ValidationError:
        pass
    for match in phonenumbers.PhoneNumberMatcher(text, settings.PHONE_DEFAULT_REGION):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return ""


def address_valid(address: str) -> bool:
    """An address lead_receive can keep: valid, and fitting its 254 characters."""
    try:
        validate_email(address)
    except ValidationError:
        return False
    return len(address) <= 254


def _address(value: str, reading: PortalReading) -> str:
    if not value:
        return ""
    for candidate in ADDRESS.findall(value):
        candidate = candidate.removeprefix("mailto:").lower().rstrip(".")
        if address_valid(candidate):
            return candidate
    reading.notes.append(_("“%(value)s” is not an email address.") % {"value": value})
    return ""


def _listing_found(pattern: str, eml: Eml, reading: PortalReading) -> str:
    """The listing pattern's first group in the text, else the HTML (its links), else
    the subject."""
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        reading.notes.append(
            _("The listing id pattern is not a valid regular expression: %(error)s.")
            % {"error": error}
        )
        return ""
    for searched in (eml.text, eml.html, eml.subject):
        found = compiled.search(searched[:SEARCHED_MAX])
        if found is None:
            continue
        if not compiled.groups:
            reading.notes.append(_("The listing id pattern has no group to take the id from."))
            return ""
        return (found.group(1) or "").strip()[:LISTING_MAX]
    return ""
