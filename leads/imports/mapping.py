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
# The fields of a client a column can fill (an import of clients).
CLIENT_FIELDS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "company_name": gettext_lazy("Company name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "pesel": gettext_lazy("PESEL"),
    "accounting_id": gettext_lazy("Accounting system id"),
    "consents_processing": gettext_lazy("Consent to data processing"),
    "consents_marketing": gettext_lazy("Marketing consent"),
    "description": gettext_lazy("Notes"),
}
CONTACT_FIELDS = ("email", "phone")


def column_label(headers: list[str], index: int) -> str:
    """A column's name for the user: its header, or "Column 3" when it has none."""
    return headers[index] or _("Column %(number)s") % {"number": index + 1}


def fields_of(kind: str) -> dict:
    """The fields a column can fill in an import of this kind ("leads" or "clients")."""
    return CLIENT_FIELDS if kind == "clients" else FIELDS


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
    "company_name": ["firma", "company", "nazwa firmy", "company name", "nazwa"],
    "pesel": ["pesel"],
    "accounting_id": ["id ksiegowe", "accounting id", "symfonia", "nr w ksiegowosci"],
    "description": ["uwagi", "notatki", "notes", "opis", "description"],
}  # fmt: skip
_BY_HEADER = {header: field for field, headers in _HEADERS.items() for header in headers}


def guess_field(header: str, kind: str = "leads") -> str:
    """The field (of an import of this kind) a header names, or '' when it names none."""
    folded = fold_name(header).strip(" :*")
    if folded in _BY_HEADER:
        field = _BY_HEADER[folded]
        return field if field in fields_of(kind) else ""
    if folded.startswith(("zgoda", "consent")):
        marketing = "marketing" in folded or "handlow" in folded
        return "consents_marketing" if marketing else "consents_processing"
    return ""


def guess_mapping(headers: list[str], kind: str = "leads") -> dict[str, str]:
    """The automatic mapping: each field taken by the first column that names it."""
    mapping: dict[str, str] = {}
    for index, header in enumerate(headers):
        field = guess_field(header, kind)
        if field and field not in mapping.values():
            mapping[str(index)] = field
    return mapping


def mapping_errors(mapping: dict[str, str], kind: str = "leads") -> list[str]:
    """What is wrong with a mapping: a field chosen twice, or neither email nor phone."""
    errors = []
    fields = fields_of(kind)
    chosen = [field for field in mapping.values() if field]
    for field in dict.fromkeys(chosen):
        if field not in fields:
            errors.append(_("“%(field)s” is not a field of this import.") % {"field": field})
        elif chosen.count(field) > 1:
            errors.append(
                _("“%(field)s” is chosen for more than one column.") % {"field": fields[field]}
            )
    if not set(CONTACT_FIELDS) & set(chosen):
        errors.append(_("Choose the column of the email or of the phone (or both)."))
    return errors
