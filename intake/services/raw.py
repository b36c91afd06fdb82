"""The raw log's writes, shared by every channel: store what arrived (once per channel
id), process it into a lead, a reply, junk or an error, and replay it.

Processing runs in one transaction with the entry locked: the lead, its consents, the
listing's investment and the entry's outcome are written together or not at all, and two
workers given the same entry (a retry, a replay) take turns; the second finds it done.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.models import LeadSource
from consents.models import Source
from consents.services import Given
from leads.intake_config import intake_config
from leads.models import Lead
from leads.services.inquiry_consents import InquiryConsents
from leads.services.intake import Received, lead_message_receive, lead_receive

from ..channels import Inquiry, Junk, Reading, Reply, TestLead, Unreadable
from ..models import ChannelAccount, ChannelKind, Listing, Outcome, RawMessage, TelegramChat

logger = logging.getLogger(__name__)

# Through what the consent register says an inquiry's basis came, per channel.
CONSENT_SOURCE = {
    ChannelKind.MAILBOX: Source.MAILBOX,
    ChannelKind.OTODOM: Source.PORTAL,
    ChannelKind.META: Source.AD_FORM,
    ChannelKind.GOOGLE: Source.AD_FORM,
    ChannelKind.TELEGRAM: Source.MESSENGER,
}
RECEIVED_OUTCOME = {
    Received.CREATED: Outcome.CREATED,
    Received.APPENDED: Outcome.APPENDED,
    Received.DUPLICATE: Outcome.DUPLICATE,
}
# Outcomes that are final: processing again (a retry, a replay) changes nothing.
SETTLED = (Outcome.CREATED, Outcome.APPENDED, Outcome.DUPLICATE)
MAX_EXTERNAL_ID = 255


def external_key(value: str, *, limit: int = MAX_EXTERNAL_ID) -> str:
    """A channel's id as a column of `limit` characters: a longer one (a Message-ID may
    be any length) is replaced by its SHA-256, still unique and stable."""
    value = value.strip()
    if len(value) <= limit:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[: limit - 7]


def raw_store(
    *,
    account: ChannelAccount,
    external_id: str,
    body: bytes,
    headers: dict | None = None,
    location: str = "",
    sender: str = "",
    subject: str = "",
    received_at: datetime | None = None,
) -> tuple[RawMessage, bool]:
    """Log what arrived. Returns the entry and whether it is new: the same channel id
    from the same account (a retry, a second delivery) returns the first entry."""
    raw = RawMessage(
        account=account,
        channel=account.kind,
        external_id=external_key(external_id),
        body=bytes(body),
        headers=headers or {},
        location=location[:300],
        sender=sender[:300],
        subject=subject[:300],
        received_at=received_at or timezone.now(),
    )
    try:
        with transaction.atomic():
            raw.save(force_insert=True)
    except IntegrityError:
        known = RawMessage.objects.filter(account=account, external_id=raw.external_id).first()
        if known is None:
            raise
        return known, False
    return raw, True


def raw_process(
    raw_id: int, *, replay: bool = False, notify: bool = True
) -> tuple[RawMessage, bool]:
    """Process one entry: its channel reads it, and what it read becomes a lead, a reply
    on a lead, junk or a test lead; what cannot be read is an error with the reason.
    Returns the entry and whether a later attempt may succeed (an outside API did not
    answer). An entry already settled (a lead made or appended to, a duplicate) is left
    as it is, replayed or not; junk, test and error entries are processed again when
    replayed (the administrator fixed a parser, a mapping or the junk list). `notify`
    off: the employees are not emailed (the demo's past arrivals).

    The reasons are written in the installation's language (LANGUAGE_CODE), as a worker
    writes them, also when a request processes the entry (a replay, the try-out set-up's
    in-process tasks) in its user's language."""
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        raw = (
            RawMessage.objects.select_for_update(of=("self",))
            .select_related("account__source", "account__default_investment")
            .get(pk=raw_id)
        )
        if raw.outcome in SETTLED:
            return raw, False
        if not replay and raw.outcome not in (Outcome.PENDING, Outcome.ERROR):
            # Junk and test entries are read again only when an administrator asks.
            return raw, False
        raw.attempts = min(raw.attempts + 1, 32767)
        retry = False
        try:
            reading = _reader(raw.channel)(raw)
            with transaction.atomic():
                _apply(raw, reading, notify=notify)
        except Unreadable as error:
            raw.outcome, raw.reason, raw.lead = Outcome.ERROR, error.reason, None
            retry = error.retry
        except Exception as error:  # noqa: BLE001 - one bad message must not stop the rest
            logger.exception("Intake: raw message %s could not be processed.", raw.pk)
            raw.outcome, raw.lead = Outcome.ERROR, None
            raw.reason = _("Unexpected error: %(error)s") % {
                "error": f"{type(error).__name__}: {error}"[:500]
            }
        raw.processed_at = timezone.now()
        raw.save()
        return raw, retry


def raw_replay(raw: RawMessage) -> RawMessage:
    """Process an entry again (the admin's "replay"): idempotent, see `raw_process`."""
    processed, _retry = raw_process(raw.pk, replay=True)
    return processed


# Entries replayed at once (the admin's action, the channels page's "replay errors"):
# more belong in the raw log's next page.
REPLAY_LIMIT = 500


def raws_replay(entries) -> dict[str, int]:
    """Replay entries, oldest first, at most REPLAY_LIMIT; how many ended in each outcome."""
    counts: dict[str, int] = {}
    for raw in entries.order_by("received_at")[:REPLAY_LIMIT]:
        outcome = raw_replay(raw).outcome
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def account_errors_replay(account: ChannelAccount) -> dict[str, int]:
    """Replay the account's errors of the last day (the channels page's button)."""
    day_ago = timezone.now() - timedelta(days=1)
    return raws_replay(
        RawMessage.objects.filter(account=account, outcome=Outcome.ERROR, received_at__gte=day_ago)
    )


def _reader(channel: str):
    from ..channels import registry

    return registry.reader(channel)


def _apply(raw: RawMessage, reading: Reading, *, notify: bool) -> None:
    raw.reason = ""
    if isinstance(reading, Junk):
        raw.outcome, raw.reason, raw.lead = Outcome.JUNK, reading.reason, None
    elif isinstance(reading, TestLead):
        raw.outcome, raw.reason, raw.lead = Outcome.TEST, reading.reason, None
    elif isinstance(reading, Reply):
        lead = Lead.objects.get(pk=reading.lead_id)
        lead_message_receive(
            lead=lead, kind=reading.kind, text=reading.text, at=raw.received_at, notify=notify
        )
        raw.outcome, raw.lead = Outcome.APPENDED, lead
    else:
        _inquiry_receive(raw, reading, notify=notify)


def _inquiry_receive(raw: RawMessage, inquiry: Inquiry, *, notify: bool) -> None:
    account = raw.account
    listing = None
    if inquiry.listing_key:
        listing = (
            Listing.objects.select_related("investment", "unit")
            .filter(account=account, key=inquiry.listing_key[:100])
            .first()
        )
    investment = (listing.investment if listing else None) or account.default_investment
    data = dict(inquiry.data)
    if investment is not None:
        data["investment"] = investment.name
    data["external_id"] = external_key(f"{raw.channel}:{raw.external_id}", limit=100)
    # Sent when it arrived, unless the channel knows better (an ad form's created time).
    data.setdefault("submitted_at", raw.received_at)
    attribution = {**inquiry.attribution, "channel": raw.channel, "account": account.name}
    if listing is not None and (listing.name or listing.key) not in attribution.values():
        # (An ad form's reader names its form by the listing's name already.)
        attribution["listing_name"] = listing.name or listing.key
        if listing.unit is not None:
            attribution["unit"] = str(listing.unit)
    config = intake_config()
    clauses = config.clauses_of(config.inquiry_controller([investment] if investment else []))
    consents = InquiryConsents(
        source=CONSENT_SOURCE[raw.channel],
        clauses=clauses,
        given=tuple(
            Given(kind, clauses[kind]) for kind in inquiry.consent_kinds if kind in clauses
        ),
        evidence={
            "channel": raw.channel,
            "account": account.name,
            "raw_message": raw.pk,
            "external_id": raw.external_id,
        },
    )
    source = account.source
    if inquiry.source_id and inquiry.source_id != source.pk:
        source = LeadSource.objects.get(pk=inquiry.source_id)
    receipt = lead_receive(
        source=source,
        data=data,
        raw_payload={"attribution": attribution},
        config=config,
        consents=consents,
        notify=notify,
    )
    raw.outcome, raw.lead, raw.attribution = (
        RECEIVED_OUTCOME[receipt.outcome],
        receipt.lead,
        attribution,
    )
    if not raw.sender:
        # A webhook names nobody in its headers: the log shows (and finds) whom it was from.
        raw.sender = _sender_of(data)
    if receipt.consents_refused:
        raw.reason = "; ".join(receipt.consents_refused)
    if inquiry.chat_id is not None:
        # A chat opens an inquiry again once its lead is closed: it moves to the new lead.
        TelegramChat.objects.update_or_create(
            account=account, chat_id=inquiry.chat_id, defaults={"lead": receipt.lead}
        )
    if inquiry.attachments and receipt.outcome == Received.CREATED:
        from .attachments import attachments_keep

        raw.reason = attachments_keep(receipt.lead, inquiry.attachments) or raw.reason


def _sender_of(data: dict) -> str:
    name = " ".join(filter(None, [data.get("first_name", ""), data.get("last_name", "")]))
    contact = data.get("email") or data.get("phone") or ""
    return (f"{name} <{contact}>" if name and contact else name or contact)[:300]


def raws_waiting(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Entries nobody processed (their task was lost) and errors a retry may fix."""
    before = timezone.now() - older_than
    return list(
        RawMessage.objects.filter(outcome=Outcome.PENDING, received_at__lt=before)
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )


def account_succeeded(account: ChannelAccount) -> None:
    """The account's last successful poll or delivery is now (written at most every 30 s:
    a busy webhook must not write the account's row on every call)."""
    now = timezone.now()
    ChannelAccount.objects.filter(pk=account.pk).exclude(
        last_success_at__gt=now - timedelta(seconds=30)
    ).update(last_success_at=now)


def account_failed(account: ChannelAccount, reason: str) -> None:
    ChannelAccount.objects.filter(pk=account.pk).update(
        last_error_at=timezone.now(), last_error=reason[:2000]
    )
