"""Which column of the file is which field of an inquiry.

A mapping is a dict {column index (as text): field}; columns not in it are skipped. The
first guess comes from the headers, Polish or English, compared folded ("Imię" is "imie").
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.normalization import fold_name

# The fields a column can fill, in the order the mapping page offers them.
FIELDS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "message": gettext_lazy("Message"),
    "investment": gettext_lazy("Investment"),
    "submitted_at": gettext_lazy("Date"),
    "consents_processing": gettext_lazy("Consent to data processing"),
    "consents_marketing": gettext_lazy("Marketing consent"),
}
CONTACT_FIELDS = ("email", "phone")

# Folded header → field.
_HEADERS = {
    "first_name": ["imie", "first name", "firstname", "given name"],
    "last_name": ["nazwisko", "last name", "lastname", "surname", "family name"],
    "email": ["e-mail", "email", "adres e-mail", "adres email", "mail", "e-mail address"],
    "phone": [
        "telefon", "phone", "nr telefonu", "numer telefonu", "tel", "tel.", "telephone",
        "phone number", "mobile", "telefon komorkowy",
    ],
    "message": ["wiadomosc", "message", "tresc", "tresc wiadomosci", "comment", "komentarz"],
    "investment": ["inwestycja", "investment", "project", "projekt"],
    "submitted_at": ["data", "date", "data zgloszenia", "submitted", "created", "data wyslania"],
}  # fmt: skip
_BY_HEADER = {header: field for field, headers in _HEADERS.items() for header in headers}


def guess_field(header: str) -> str:
    """The field a header names, or '' when it names none."""
    folded = fold_name(header).strip(" :*")
    if folded in _BY_HEADER:
        return _BY_HEADER[folded]
    if folded.startswith(("zgoda", "consent")):
        marketing = "marketing" in folded or "handlow" in folded
        return "consents_marketing" if marketing else "consents_processing"
    return ""


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """The automatic mapping: each field taken by the first column that names it."""
    mapping: dict[str, str] = {}
    for index, header in enumerate(headers):
        field = guess_field(header)
        if field and field not in mapping.values():
            mapping[str(index)] = field
    return mapping


def mapping_errors(mapping: dict[str, str]) -> list[str]:
    """What is wrong with a mapping: a field chosen twice, or neither email nor phone."""
    errors = []
    chosen = [field for field in mapping.values() if field]
    for field in dict.fromkeys(chosen):
        if chosen.count(field) > 1:
            errors.append(
                _("“%(field)s” is chosen for more than one column.") % {"field": FIELDS[field]}
            )
    if not set(CONTACT_FIELDS) & set(chosen):
        errors.append(_("Choose the column of the email or of the phone (or both)."))
    return errors
