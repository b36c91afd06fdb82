"""A person as a webhook channel names them (a portal's sender, a chat's profile), made
into the inquiry's fields as `lead_receive` takes them: it trusts its input, so the
lengths and formats are kept here. What cannot be a field (an email or a phone that is
not valid) is not dropped: it goes into the message, for the advisor to read."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from crm.core.normalization import normalize_email, normalize_phone, strip_invisible

NAME_LENGTH = 100
EMAIL_LENGTH = 254
MESSAGE_LENGTH = 5000
UTM_LENGTH = 200


def name_split(full_name: str) -> tuple[str, str]:
    """A full name as (first name, last name): the first word, and the rest."""
    first, _space, last = strip_invisible(full_name).partition(" ")
    return first, last


def person_fields(
    *, first_name: str = "", last_name: str = "", email: str = "", phone: str = "",
    message: str = "",
) -> dict[str, Any]:  # fmt: skip
    """The inquiry's person and message: names on one line and cut to their length, the
    email lower-cased and checked, the phone in E.164; an email or phone that is not one
    is put at the head of the message instead."""
    data: dict[str, Any] = {
        "first_name": strip_invisible(first_name)[:NAME_LENGTH],
        "last_name": strip_invisible(last_name)[:NAME_LENGTH],
    }
    notes = []
    email = normalize_email(strip_invisible(email))
    if email and _is_email(email):
        data["email"] = email
    elif email:
        notes.append(_("Email given: %(email)s") % {"email": email[:EMAIL_LENGTH]})
    phone = strip_invisible(phone)
    if phone:
        try:
            data["phone"] = normalize_phone(phone[:64])
        except ValidationError:
            notes.append(_("Phone given: %(phone)s") % {"phone": phone[:64]})
    # The contact that is not a field first: a long message is what gets cut. PostgreSQL
    # stores no NUL character in text.
    text = "\n\n".join(filter(None, [*notes, message.replace("\x00", "").strip()]))
    data["message"] = text[:MESSAGE_LENGTH]
    return {key: value for key, value in data.items() if value}


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return len(value) <= EMAIL_LENGTH
