from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import template

from crm.core.formatting import (
    format_amount,
    format_duration,
    format_file_size,
    format_minutes,
    format_phone,
)

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """{{ lead.handling_time|duration }} -> '117d 0h'."""
    return format_duration(value) if value is not None else ""


@register.filter
def minutes(value: float | int | None) -> str:
    """{{ waited_minutes|minutes }} -> '45 min' or '2d 0h'."""
    return format_minutes(value) if value is not None and value != "" else ""


@register.filter
def money(value: Decimal | float | int | None) -> str:
    """{{ offer.total|money }} -> '1 038 500,00 zł' (Polish) or '1,038,500.00 zł'."""
    return format_amount(value) if value is not None and value != "" else ""


@register.filter
def file_size(value: int | None) -> str:
    """{{ document.size|file_size }} -> '2,5 MB' (Polish) or '2.5 MB'."""
    return format_file_size(value) if value is not None and value != "" else ""


@register.filter
def phone(value: str | None) -> str:
    """{{ client.phone|phone }} -> '+48 504 976 791'."""
    return format_phone(value or "")
