"""Background work of the channels: polling mailboxes, processing what webhooks stored,
and catching up on ad forms."""

from __future__ import annotations

from celery import shared_task

from .models import ChannelAccount, ChannelKind
from .services.raw import raw_process, raws_waiting

# A retryable error (an outside API that did not answer) is tried again after 1, 2, 4 ...
# minutes, for about four hours in all, as OLX and Meta retry their own deliveries.
RETRY_DELAYS = [60 * 2**attempt for attempt in range(8)]


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=len(RETRY_DELAYS))
def process_raw_message(self, raw_id: int) -> str:
    """Turn one stored arrival into a lead (or a reply, junk, an error): delivered twice,
    the second run finds it settled and does nothing."""
    raw, retry = raw_process(raw_id)
    # Run in-process (no broker: the try-out set-up), a retry would wait in the request
    # that stored the entry: the error stays, for a replay.
    if retry and not self.request.is_eager and self.request.retries < len(RETRY_DELAYS):
        raise self.retry(countdown=RETRY_DELAYS[self.request.retries])
    return raw.outcome


@shared_task(ignore_result=True)
def poll_mailboxes() -> int:
    """Beat, every minute: one poll task per active mailbox."""
    accounts = ChannelAccount.objects.filter(kind=ChannelKind.MAILBOX, active=True)
    ids = list(accounts.values_list("pk", flat=True))
    for account_id in ids:
        poll_mailbox.delay(account_id)
    return len(ids)


@shared_task(acks_late=True, ignore_result=True)
def poll_mailbox(account_id: int) -> int:
    """Read one mailbox's new messages (intake.services.mailbox); a second poll of the same
    mailbox while one runs does nothing."""
    from .services.mailbox import mailbox_poll

    return mailbox_poll(ChannelAccount.objects.get(pk=account_id)).read


@shared_task(ignore_result=True)
def process_waiting() -> int:
    """Beat: entries whose task was lost (the broker was down when they arrived)."""
    ids = raws_waiting()
    for raw_id in ids:
        process_raw_message.delay(raw_id)
    return len(ids)


@shared_task(acks_late=True, ignore_result=True)
def backfill_ad_forms() -> int:
    """Beat, hourly: the Meta forms' leads created since their last sync, which a missed
    webhook lost (intake.channels.meta)."""
    from .channels.meta import forms_backfill

    return forms_backfill()
