"""Which module reads which channel's raw messages (each has `read(raw) -> Reading`)."""

from __future__ import annotations

from django.utils.module_loading import import_string

READERS = {
    "mailbox": "intake.channels.email.read",
    "otodom": "intake.channels.otodom.read",
    "meta": "intake.channels.meta.read",
    "google": "intake.channels.google.read",
    "telegram": "intake.channels.telegram.read",
}


def reader(channel: str):
    return import_string(READERS[channel])
