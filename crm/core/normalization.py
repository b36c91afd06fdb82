"""Normalisation used for deduplication: E.164 phones, lower-case emails, folded names;
and the one cleaner of names, titles and file names people type.

Every lookup column (Client.phone_e164, Client.email_normalized, ...) is computed here,
so that "600 100 200", "600-100-200", "+48600100200" and "0048 600 100 200" are one number
and "Elzbieta" finds "Elżbieta".
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Letters that Unicode does not decompose into a base letter plus an accent.
_EXTRA_FOLDS = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe"})


def normalize_email(value: str) -> str:
    """Lower-case and trim an email address; '' stays ''."""
    return (value or "").strip().lower()


def normalize_phone(value: str, region: str | None = None) -> str:
    """Return the phone number in E.164 ('+48600100200'); '' for an empty value.

    Raises ValidationError when the text is not a possible phone number.
    """
    raw = (value or "").strip()
    if not raw:
        return ""
    if raw.startswith("00"):
        # "0048 600 100 200" is the international prefix written out.
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="invalid_phone", params={"value": value}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."),
            code="invalid_phone",
            params={"value": value},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone_field(value: str, field: str = "phone") -> str:
    """normalize_phone for a model's clean(): the error is attached to the phone field."""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def phone_search_key(value: str) -> str:
    """E.164 of a search text if it reads as a phone number, else ''. Never raises."""
    try:
        return normalize_phone(value)
    except ValidationError:
        return ""


# Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) can make "gpj.exe"
# look like "exe.jpg" or a name read backwards; zero-width characters (U+200B-U+200D,
# U+2060, U+FEFF) make two names that look alike differ; these are category Cf. Control
# characters (Cc, NUL included), surrogates, private and unassigned code points, and line
# or paragraph separators have no place in a name or a title either.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def strip_invisible(value: str) -> str:
    """A name, title or file name as it shows: composed (NFC), without control,
    bidirectional or other invisible characters, any whitespace (tabs, new lines) as
    single spaces, no spaces at the ends."""
    text = unicodedata.normalize("NFC", str(value or ""))
    visible = (
        char
        for char in text
        if char.isspace() or unicodedata.category(char) not in _INVISIBLE_CATEGORIES
    )
    return " ".join("".join(visible).split())


def fold_name(value: str) -> str:
    """Case- and diacritics-folded text for matching names: 'Elżbieta ' -> 'elzbieta'."""
    text = " ".join((value or "").split()).casefold().translate(_EXTRA_FOLDS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
