"""One conversation read at a time. A person's two quick messages (two lines typed in a
chat, a portal's form sent twice) may be processed at once by two workers: each would find
no lead of the conversation yet and make one. A reader that looks up a conversation's
lead first takes the conversation's lock, held until the processing's transaction ends, so
the second finds the lead the first made."""

from __future__ import annotations

import hashlib

from django.db import connection


def conversation_lock(*, account_id: int, key: str) -> None:
    """Wait for, and hold until the transaction ends, the lock of one conversation of an
    account (a Telegram chat, an Otodom conversation). A PostgreSQL advisory lock: no row
    is locked (the webhooks write the account's row while workers process). Another
    database (the SQLite demo) runs one worker and needs none."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"intake:{account_id}:{key}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )
