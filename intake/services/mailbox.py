"""Polling a mailbox over IMAP (IMAPClient): its new messages become raw log entries, each
processed at once (`raw_process`: a lead, a reply on a lead, junk or an error).

Nothing is lost and nothing doubled, whatever stops a poll half-way (a killed worker, a
dropped connection):
- per folder, the poll remembers UIDVALIDITY and the last UID it finished
  (`MailboxFolder`), moved on after each batch's leads are committed and its messages
  flagged;
- a message read again (its UID not yet recorded when the poll stopped) is found in the
  raw log by its Message-ID (unique per account) and not processed twice;
- \\Seen is set, or the message moved, only after its lead is committed, a batch at a time;
- a message that cannot be read is an error entry with the reason, and the poll goes on.

A new account starts from the moment it is added (the folder's next UID); `backfill_days`
reads the messages of that many last days once, on the first poll, never the whole
mailbox. A folder whose UIDVALIDITY changed (the server renumbered it) is read again from
the day of its last poll: the Message-IDs keep what was read from being read twice.
One worker polls a mailbox at a time (`poll_lease_until`, renewed while it works).
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import timedelta
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from crm.core.formatting import format_file_size

from ..models import AfterRead, ChannelAccount, ChannelKind, MailboxFolder, Outcome, RawMessage
from .raw import raw_process, raw_store

logger = logging.getLogger(__name__)

# Messages fetched per IMAP round trip; after each batch the flags are set and the lease
# renewed.
BATCH = 50
LEASE = timedelta(seconds=settings.LEJEK_MAILBOX_LEASE_SECONDS)
TIMEOUT_SECONDS = 30
# Problems of the server or the network, as opposed to a message's.
CONNECTION_ERRORS = (IMAPClientError, OSError, socket.timeout)


@dataclass
class PollResult:
    read: int = 0
    errors: int = 0
    skipped: bool = False
    failure: str = ""


def mailboxes_fetch_now(accounts) -> list[ChannelAccount]:
    """Poll these accounts' active mailboxes at once, on a worker, after the commit ("Fetch
    now" in the admin and on the channels page); the mailboxes it will read."""
    from ..tasks import poll_mailbox

    mailboxes = list(accounts.filter(kind=ChannelKind.MAILBOX, active=True))
    for account in mailboxes:
        transaction.on_commit(lambda pk=account.pk: poll_mailbox.delay(pk))
    return mailboxes


def mailbox_poll(account: ChannelAccount) -> PollResult:
    """Read the account's folders once. A poll already running (another worker's lease)
    makes this one do nothing; a connection or login failure is recorded on the account
    (the channels page and /healthz/ show it) and the next poll tries again."""
    if not _lease_take(account):
        return PollResult(skipped=True)
    # Its reasons and failures in the installation's language, as raw_process writes its.
    with translation.override(settings.LANGUAGE_CODE):
        return _poll(account)


def _poll(account: ChannelAccount) -> PollResult:
    result = PollResult()
    try:
        with IMAPClient(
            account.host, port=account.port, ssl=account.use_tls, timeout=TIMEOUT_SECONDS
        ) as client:
            client.login(account.username, account.secret)
            for name in account.folder_names():
                _folder_poll(client, account, name, result)
    except CONNECTION_ERRORS as error:
        result.failure = _("The mailbox could not be read: %(error)s") % {"error": error}
        logger.warning("Intake: mailbox %s: %s", account.pk, error)
        ChannelAccount.objects.filter(pk=account.pk).update(
            last_error_at=timezone.now(), last_error=result.failure[:2000]
        )
    else:
        ChannelAccount.objects.filter(pk=account.pk).update(last_success_at=timezone.now())
    finally:
        ChannelAccount.objects.filter(pk=account.pk).update(poll_lease_until=None)
    return result


def _lease_take(account: ChannelAccount) -> bool:
    now = timezone.now()
    return bool(
        ChannelAccount.objects.filter(pk=account.pk)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .update(poll_lease_until=now + LEASE)
    )


def _lease_renew(account: ChannelAccount) -> None:
    ChannelAccount.objects.filter(pk=account.pk).update(poll_lease_until=timezone.now() + LEASE)


def _folder_poll(client: IMAPClient, account: ChannelAccount, name: str, result: PollResult):
    folder, _created = MailboxFolder.objects.get_or_create(account=account, name=name)
    status = client.select_folder(name)
    uidvalidity = int(status[b"UIDVALIDITY"])
    if folder.uidvalidity != uidvalidity:
        folder.last_uid = _starting_uid(client, account, folder, status)
        folder.uidvalidity = uidvalidity
        folder.save(update_fields=["uidvalidity", "last_uid"])
    uids = sorted(uid for uid in client.search(["UID", f"{folder.last_uid + 1}:*"]))
    # "n:*" always names the newest message, even when it is older than n.
    uids = [uid for uid in uids if uid > folder.last_uid]
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        done = _batch_read(client, account, folder, batch, result)
        if done:
            if account.after_read == AfterRead.MOVE and account.move_to:
                client.move(done, account.move_to)
            else:
                client.add_flags(done, [b"\\Seen"])
        # Recorded only once the batch is flagged: a poll stopped before this reads the
        # batch again, finds its messages in the raw log and flags them.
        MailboxFolder.objects.filter(pk=folder.pk).update(last_uid=batch[-1])
        _lease_renew(account)
    MailboxFolder.objects.filter(pk=folder.pk).update(polled_at=timezone.now())


def _starting_uid(client: IMAPClient, account, folder: MailboxFolder, status: dict) -> int:
    """The last UID taken as read when a folder is first polled (the newest message, or
    the one before the backfill's first day) or was renumbered (the one before the day of
    the last poll)."""
    if folder.uidvalidity is None:
        days, since = account.backfill_days, timezone.localdate()
    else:
        polled = folder.polled_at or timezone.now()
        days, since = 1, timezone.localtime(polled).date()
    if days:
        uids = client.search(["SINCE", since - timedelta(days=days)])
        if uids:
            return min(uids) - 1
    return int(status.get(b"UIDNEXT") or _uidnext(client, folder.name)) - 1


def _uidnext(client: IMAPClient, name: str) -> int:
    return client.folder_status(name, [b"UIDNEXT"])[b"UIDNEXT"]


def _batch_read(client, account, folder, uids: list[int], result: PollResult) -> list[int]:
    """Store and process each message of the batch in UID order (each lead committed on
    its own); returns the UIDs done, for the flags."""
    limit = settings.LEJEK_INTAKE_MAX_EMAIL_BYTES
    sizes = client.fetch(uids, ["RFC822.SIZE"])
    small = [uid for uid in uids if sizes.get(uid, {}).get(b"RFC822.SIZE", 0) <= limit]
    bodies = client.fetch(small, ["BODY.PEEK[]", "INTERNALDATE"]) if small else {}
    large = [uid for uid in uids if uid not in small]
    heads = client.fetch(large, ["BODY.PEEK[HEADER]", "INTERNALDATE"]) if large else {}
    done = []
    for uid in uids:
        if uid in bodies:
            data = bodies[uid]
            body, too_large = data.get(b"BODY[]") or b"", False
        elif uid in heads:
            data = heads[uid]
            body, too_large = data.get(b"BODY[HEADER]") or b"", True
        else:
            continue  # deleted meanwhile by someone else
        raw = _message_store(account, folder, uid, body, data.get(b"INTERNALDATE"))
        if too_large:
            reason = _("The email is larger than %(size)s: it was not read.") % {
                "size": format_file_size(limit)
            }
            RawMessage.objects.filter(pk=raw.pk, outcome=Outcome.PENDING).update(
                outcome=Outcome.ERROR, reason=reason, processed_at=timezone.now()
            )
            result.errors += 1
        elif raw.outcome in (Outcome.PENDING, Outcome.ERROR):
            processed, _retry = raw_process(raw.pk)
            result.errors += processed.outcome == Outcome.ERROR
        result.read += 1
        done.append(uid)
    return done


def _message_store(account, folder: MailboxFolder, uid: int, body: bytes, internal_date):
    headers = _headers(body)
    message_id = (headers.get("Message-ID") or "").strip()
    external_id = message_id or f"uid:{folder.name}:{folder.uidvalidity}:{uid}"
    received_at = internal_date
    if received_at is not None and timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    raw, _created = raw_store(
        account=account,
        external_id=external_id,
        body=body,
        location=f"{folder.name} {folder.uidvalidity}:{uid}",
        sender=_decoded(headers.get("From")),
        subject=_decoded(headers.get("Subject")),
        received_at=received_at,
    )
    return raw


def _headers(body: bytes):
    try:
        return BytesHeaderParser(policy=compat32).parsebytes(body)
    except Exception:  # noqa: BLE001 - an unreadable header is the reader's error to report
        return {}


def _decoded(value) -> str:
    """A header as text (RFC 2047 words decoded), without what PostgreSQL cannot store."""
    if not value:
        return ""
    try:
        text = str(make_header(decode_header(str(value))))
    except Exception:  # noqa: BLE001 - a malformed encoded word is kept as it came
        text = str(value)
    return " ".join(text.replace("\x00", "").split())
