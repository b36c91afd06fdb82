"""The translation catalogues: Polish (the default UI language) is complete, English is the
source text, and the compiled catalogues give the right language under translation.override."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

from clients.models import Client

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PL_PO = LOCALE_DIR / "pl" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"

PL_PLURAL_FORMS = (
    "nplurals=4; plural=(n==1 ? 0 : (n%10>=2 && n%10<=4) && (n%100<12 || n%100>14) ? 1 : "
    "n!=1 && (n%10>=0 && n%10<=1) || n!=1 && (n%10>=5 && n%10<=9) || n%100>=12 && n%100<=14 "
    "? 2 : 3);"
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def parse_po(path: Path) -> list[dict]:
    """A small .po reader: one dict per entry with its flags, msgid, msgid_plural and msgstrs."""
    entries: list[dict] = []
    entry: dict = {}
    key = None

    def finish():
        if "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            entry, key = {}, None
        elif line.startswith("#~"):
            continue  # obsolete entries are not part of the catalogue
        elif line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    finish()
    return entries


def header(entries: list[dict]) -> dict[str, str]:
    (head,) = [e for e in entries if e["msgid"] == ""]
    return dict(line.split(": ", 1) for line in head["msgstr"].splitlines() if ": " in line)


def msgstrs(entry: dict) -> list[str]:
    return [v for k, v in sorted(entry.items()) if k.startswith("msgstr")]


@pytest.fixture(scope="module")
def pl_entries() -> list[dict]:
    return parse_po(PL_PO)


def test_polish_catalogue_has_the_polish_plural_rule(pl_entries):
    head = header(pl_entries)
    assert head["Language"] == "pl"
    assert head["Plural-Forms"] == PL_PLURAL_FORMS


def test_polish_catalogue_has_no_untranslated_or_fuzzy_entries(pl_entries):
    messages = [e for e in pl_entries if e["msgid"]]
    assert len(messages) > 100
    untranslated = [e["msgid"] for e in messages if not all(msgstrs(e))]
    fuzzy = [e["msgid"] for e in pl_entries if "fuzzy" in e.get("flags", set())]
    assert untranslated == []
    assert fuzzy == []


def test_polish_plurals_have_four_forms_and_keep_placeholders(pl_entries):
    for entry in (e for e in pl_entries if e["msgid"]):
        expected = set(PLACEHOLDER.findall(entry["msgid"]))
        if "msgid_plural" in entry:
            assert [k for k in entry if k.startswith("msgstr")] == [
                "msgstr[0]",
                "msgstr[1]",
                "msgstr[2]",
                "msgstr[3]",
            ], entry["msgid"]
        for text in msgstrs(entry):
            assert set(PLACEHOLDER.findall(text)) == expected, entry["msgid"]


def test_english_catalogue_header():
    head = header(parse_po(EN_PO))
    assert head["Language"] == "en"
    assert head["Plural-Forms"] == "nplurals=2; plural=(n != 1);"


POLISH = {
    "Give the client an email address or a phone number.": (
        "Podaj adres e-mail lub numer telefonu klienta."
    ),
    "Leads": "Leady",
    "Clients": "Klienci",
    "Log in": "Zaloguj się",
    "Log out": "Wyloguj",
    "No clients to show yet.": "Brak klientów do wyświetlenia.",
    "CRM settings": "Ustawienia CRM",
    "Handling time": "Czas obsługi",
}


@pytest.mark.parametrize(("english", "polish"), POLISH.items())
def test_key_strings_are_polish_and_english(english, polish):
    with translation.override("pl"):
        assert gettext(english) == polish
    with translation.override("en"):
        assert gettext(english) == english


def test_model_constraint_message_follows_the_language():
    (constraint,) = [c for c in Client._meta.constraints if c.name == "client_has_email_or_phone"]
    with translation.override("pl"):
        assert str(constraint.violation_error_message) == (
            "Podaj adres e-mail lub numer telefonu klienta."
        )
        assert str(Client._meta.verbose_name) == "klient"
        assert str(Client._meta.verbose_name_plural) == "klienci"
    with translation.override("en"):
        assert str(constraint.violation_error_message) == (
            "Give the client an email address or a phone number."
        )
        assert str(Client._meta.verbose_name_plural) == "clients"


@pytest.mark.parametrize(
    ("count", "polish"),
    [
        (1, "1 otwarty lead"),
        (2, "2 otwarte leady"),
        (5, "5 otwartych leadów"),
        (12, "12 otwartych leadów"),
        (22, "22 otwarte leady"),
        (25, "25 otwartych leadów"),
    ],
)
def test_polish_plural_forms(count, polish):
    singular, plural = "%(total)s open lead", "%(total)s open leads"
    with translation.override("pl"):
        assert ngettext(singular, plural, count) % {"total": count} == polish
    with translation.override("en"):
        expected = f"{count} open lead" if count == 1 else f"{count} open leads"
        assert ngettext(singular, plural, count) % {"total": count} == expected
