"""Channel secrets (a mailbox's password, a webhook's shared secret, a bot's token) are
stored encrypted with Fernet (AES-128-CBC with an HMAC) under a key from the environment,
`LEJEK_CHANNEL_KEY`: a database dump or backup alone does not give them away. Without the
variable the key is derived from SECRET_KEY (the try-out set-up): set it once in
production, or rotating SECRET_KEY makes every stored secret unreadable (the channels then
say they cannot log in, and an administrator enters the secrets again).
"""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@functools.cache
def _fernet(key: str) -> Fernet:
    # Any string is accepted as the key: its SHA-256 is Fernet's 32 bytes.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def secret_encrypt(text: str) -> str:
    if not text:
        return ""
    return _fernet(settings.LEJEK_CHANNEL_KEY).encrypt(text.encode()).decode()


def secret_decrypt(token: str) -> str:
    """The secret, or "" when none is stored or it was stored under another key (the
    channel then fails to log in and says so, instead of the page failing)."""
    if not token:
        return ""
    try:
        return _fernet(settings.LEJEK_CHANNEL_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
