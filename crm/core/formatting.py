"""Display helpers shared by every app."""

from __future__ import annotations

from datetime import timedelta


def format_duration(value: timedelta) -> str:
    """Handling time the way the seeds show it: '117d 0h' (whole days and hours)."""
    total_hours = max(int(value.total_seconds() // 3600), 0)
    days, hours = divmod(total_hours, 24)
    return f"{days}d {hours}h"
