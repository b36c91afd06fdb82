"""Validators for Polish identifiers (python-stdnum does the arithmetic) and embedding origins."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.pl import nip, pesel, regon


def _validate(module, value: str, message) -> None:
    try:
        module.validate(value)
    except stdnum_errors.ValidationError as exc:
        raise ValidationError(message, code="invalid", params={"value": value}) from exc


def validate_pesel(value: str) -> None:
    _validate(pesel, value, _("“%(value)s” is not a valid PESEL (wrong length or checksum)."))


def validate_nip(value: str) -> None:
    _validate(nip, value, _("“%(value)s” is not a valid NIP (wrong length or checksum)."))


def validate_regon(value: str) -> None:
    _validate(regon, value, _("“%(value)s” is not a valid REGON (wrong length or checksum)."))


def validate_krs(value: str) -> None:
    # KRS numbers have no checksum: ten digits, leading zeros included.
    if not (value.isdigit() and len(value) == 10):
        raise ValidationError(
            _("“%(value)s” is not a valid KRS number (10 digits)."),
            code="invalid",
            params={"value": value},
        )


# An origin as CSP's frame-ancestors takes it: scheme, host, optional port; no path.
_ORIGIN = re.compile(r"^https?://(\*\.)?[a-z0-9.-]+(:\d{1,5})?$", re.IGNORECASE)


def validate_frame_origins(value: str) -> None:
    """One origin per line (https://www.example.pl); anything else would be copied into
    the Content-Security-Policy header, so it is refused with the line named."""
    for line in value.split():
        if not _ORIGIN.match(line):
            raise ValidationError(
                _("“%(value)s” is not an origin such as https://www.example.pl (no path)."),
                code="invalid",
                params={"value": line},
            )
