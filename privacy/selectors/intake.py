"""What the intake channels hold about a person: the raw log's entries (a whole email or
webhook body, its headers, sender, subject, attribution) and the Telegram chats of their
leads. Issue 17's rule: what stores a person's data is reached by their export and their
anonymisation, and both read it here.

A raw log entry is the person's when it made or was added to a lead of theirs (found by
`lead_id`), or when it made no lead (junk, an error, a test, one still waiting) and came
from one of their email addresses (its `sender`, a mailbox's From or a form's email, holds
the address as a whole word). The second search reads only the entries without a lead,
the part of the log the retention job keeps to its last `RAW_UNLINKED_DAYS` days; it has
no index of its own (a trigram index on `sender` is the next step should that part grow).
An entry without a lead that names the person only in its body (a portal's notification
that could not be read) is not found: it is deleted with the others of its age.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from clients.models import Client
from intake.models import RawMessage, TelegramChat
from leads.models import Lead

# How long the raw log keeps an entry that made no lead (junk, errors, tests).
RAW_UNLINKED_DAYS = 90
# How much of an entry's content the export shows as text: an email with attachments is
# mostly their base64, and the attachments themselves are the lead's documents.
RAW_BODY_LIMIT = 20_000
# What may stand next to an address in a sender without being part of it.
_BEFORE = r"(^|[^a-z0-9._%+-])"
_AFTER = r"($|[^a-z0-9._-])"


def person_emails(*, client: Client | None, lead_ids: Iterable[int]) -> set[str]:
    """Every email address the person had: the client's and their inquiries' contact
    addresses, as they are now and as the history remembers them. Read before an
    anonymisation empties them."""
    lead_ids = list(lead_ids)
    emails = {client.email} if client is not None else set()
    if client is not None:
        emails.update(Client.history.filter(id=client.pk).values_list("email", flat=True))
    emails.update(Lead.objects.filter(pk__in=lead_ids).values_list("contact_email", flat=True))
    emails.update(Lead.history.filter(id__in=lead_ids).values_list("contact_email", flat=True))
    return addresses(emails)


def addresses(values: Iterable[str]) -> set[str]:
    """The email addresses among `values`, as the sender search compares them."""
    return {value.strip().lower() for value in values if value and "@" in value}


def person_raw_messages(*, lead_ids: Iterable[int], emails: Iterable[str]) -> QuerySet:
    """The raw log's entries of the person's leads, and those without a lead sent from
    one of their addresses; oldest first, with their account."""
    mine = Q(lead_id__in=list(lead_ids))
    senders = Q()
    for email in sorted(set(emails)):
        senders |= Q(sender__iregex=_BEFORE + re.escape(email) + _AFTER)
    if senders:
        mine |= Q(lead__isnull=True) & senders
    return RawMessage.objects.filter(mine).select_related("account").order_by("received_at", "id")


def person_telegram_chats(*, lead_ids: Iterable[int]) -> QuerySet:
    """The Telegram chats that are conversations of the person's leads."""
    return (
        TelegramChat.objects.filter(lead_id__in=list(lead_ids))
        .select_related("account")
        .order_by("created_at", "id")
    )


def raw_body_text(raw: RawMessage, *, limit: int = RAW_BODY_LIMIT) -> tuple[str, bool]:
    """An entry's content as text (UTF-8, what is not replaced by �) and whether it was
    cut at `limit` characters."""
    text = bytes(raw.body).decode("utf-8", errors="replace")
    return text[:limit], len(text) > limit
