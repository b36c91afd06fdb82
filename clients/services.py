"""Writes on clients, contractors and sources."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import LeadSource


def hash_intake_token(token: str) -> str:
    """SHA-256 of an intake token: the only form in which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def source_rotate_intake_token(*, source: LeadSource) -> str:
    """Give a source a new intake token and return it in plain text, the only time it is
    seen; the previous token stops working at once."""
    token = secrets.token_urlsafe(32)
    source.intake_token_hash = hash_intake_token(token)
    source.intake_token_created_at = timezone.now()
    source.save(update_fields=["intake_token_hash", "intake_token_created_at"])
    return token
