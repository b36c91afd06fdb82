"""Numbers read from an address (?per_page=, ?offset=, ?template=, an id): only ASCII
digits within a range count, anything else is "not given". str.isdigit() is no guard:
it takes "²", which int() refuses, and "99999999999999999999", which no database column
holds."""

from __future__ import annotations

import re

# The largest PostgreSQL bigint: every primary key fits.
MAX_ID = 2**63 - 1
# Past any list's end: an offset or a page beyond it shows nothing (or the first page),
# and the database is never asked to skip more rows than a bigint counts.
MAX_POSITION = 10**9

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def whole_number(value: object, *, maximum: int = MAX_ID) -> int | None:
    """`value` as a whole number from 0 to `maximum` when it is written in ASCII digits,
    else None."""
    text = value if isinstance(value, str) else ""
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= maximum else None
