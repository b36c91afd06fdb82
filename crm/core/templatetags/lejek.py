from __future__ import annotations

from datetime import timedelta

from django import template

from crm.core.formatting import format_duration

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """{{ lead.handling_time|duration }} -> '117d 0h'."""
    return format_duration(value) if value is not None else ""
