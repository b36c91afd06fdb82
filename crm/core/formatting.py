"""Display helpers shared by every app: one way to show an amount, a phone number, a
duration and a file size, in the active language (the template filters of `lejek` call
these)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.conf import settings
from django.utils import formats

# Between the amount and the currency; a no-break space keeps "zł" on the amount's line.
CURRENCY = "\xa0zł"


def format_duration(value: timedelta) -> str:
    """Handling time the way the seeds show it: '117d 0h' (whole days and hours)."""
    total_hours = max(int(value.total_seconds() // 3600), 0)
    days, hours = divmod(total_hours, 24)
    return f"{days}d {hours}h"


def format_minutes(value: float | int) -> str:
    """A span counted in minutes, as long spans read: '45 min', '1h 30min' within a day,
    days and hours beyond ('2d 0h' rather than '2887 min')."""
    minutes = max(int(value), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60}h {minutes % 60}min"
    return format_duration(timedelta(minutes=minutes))


def format_amount(value: Decimal | float | int | str) -> str:
    """An amount of money in the active language, grouped, with two decimals and the
    currency: '1 038 500,00 zł' in Polish, '1,038,500.00 zł' in English. A value that is
    not a number is returned as it is."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = formats.number_format(number, decimal_pos=2, use_l10n=True, force_grouping=True)
    return text + CURRENCY


# Binary multiples, as operating systems and our limits count them: "10 MB" is 10 × 1024².
FILE_SIZE_UNITS = ["kB", "MB", "GB", "TB"]


def format_file_size(value: int | float) -> str:
    """A size in bytes as people read it, in the active language: '512 B', '12,3 kB',
    '2,5 MB' in Polish ('2.5 MB' in English); a no-break space before the unit."""
    size = max(float(value), 0)
    if size < 1024:
        return f"{int(size)}\xa0B"
    size /= 1024
    unit = 0
    # Up to the unit in which the rounded size is below 1024 (the largest if none is).
    while round(size, 1) >= 1024 and unit < len(FILE_SIZE_UNITS) - 1:
        size /= 1024
        unit += 1
    text = formats.number_format(round(size, 1), decimal_pos=1, use_l10n=True)
    return f"{text}\xa0{FILE_SIZE_UNITS[unit]}"


def format_phone(value: str) -> str:
    """A phone number in the international format ('+48 504 976 791'), whether stored as
    E.164 or as entered; a text that is not a valid number is returned as it is."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_valid_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
