"""The poll phase of `bench_channels`: a mailbox account on a Dovecot of its own, a first
poll (the starting point), then `count` emails of mixed portals APPENDed and one
`mailbox_poll` timed end to end; then the raw log, the leads and the mailbox's flags are
checked against what was sent: nothing lost, nothing duplicated, junk counted."""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext, override_settings

from investments.models import Investment
from leads.models import Activity, ActivityDirection, ActivityKind, Lead

from ..models import (
    AfterRead,
    ChannelAccount,
    ChannelKind,
    Listing,
    MailboxFolder,
    Outcome,
    RawMessage,
)
from ..secrets import secret_encrypt
from ..services.mailbox import mailbox_poll
from .common import ACCOUNT_PREFIX
from .dovecot import IMAPServer
from .mail import INQUIRY, JUNK, PORTAL, REPLY, Mail, MailSet

ACCOUNT_NAME = f"{ACCOUNT_PREFIX} mailbox"
USER = "sprzedaz"
TARGET_S = 60
LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+\b|\"s\d+_x\d+\"")
# Messages in the mailbox before the account's first poll: never read (the account starts
# from the moment it is added).
EARLIER = 3


@dataclass
class PollFigures:
    messages: int
    sent: dict[str, int]
    append_s: float
    poll_s: float
    outcomes: dict[str, int]
    by_portal: dict[str, int]
    leads: int
    second_poll_read: int
    problems: list[str] = field(default_factory=list)
    sample_messages: int = 0
    sample_queries: int = 0
    # The sample's statements, their literals left out, and how often each ran.
    statements: Counter = field(default_factory=Counter)
    profile: str = ""

    @property
    def per_s(self) -> float:
        return self.messages / self.poll_s if self.poll_s else 0.0

    @property
    def queries_per_message(self) -> float:
        return self.sample_queries / self.sample_messages if self.sample_messages else 0.0


def mailbox_account(server: IMAPServer, source) -> ChannelAccount:
    """The bench's mailbox account (made once, then reused), pointed at this run's Dovecot
    and starting afresh: no folder state, no lease, no error."""
    account, _created = ChannelAccount.objects.get_or_create(
        name=ACCOUNT_NAME, defaults={"kind": ChannelKind.MAILBOX, "source": source}
    )
    account.kind, account.source, account.active = ChannelKind.MAILBOX, source, True
    account.host, account.port, account.use_tls = server.host, server.port, False
    account.username, account.secret_encrypted = server.user, secret_encrypt(server.password)
    account.folders, account.after_read, account.backfill_days = "INBOX", AfterRead.SEEN, 0
    account.poll_lease_until, account.last_error = None, ""
    account.save()
    MailboxFolder.objects.filter(account=account).delete()
    return account


def listings_map(account: ChannelAccount, mails: MailSet) -> None:
    """The templates' listings mapped to the bench data's first investment, so that the
    leads of those portals arrive with it, as an administrator's mapping makes them."""
    investment = Investment.objects.order_by("pk").first()
    if investment is None:
        return
    keys = {t.person.listing for t in mails.of(PORTAL) if t.person.listing}
    for key in keys:
        Listing.objects.update_or_create(
            account=account, key=key[:100], defaults={"investment": investment}
        )


def poll_phase(
    *, mails: MailSet, count: int, source, profile: bool = False, sample: int = 20
) -> PollFigures:
    with IMAPServer(USER, secrets.token_urlsafe(12)) as server:
        account = mailbox_account(server, source)
        listings_map(account, mails)
        earlier = mails.build(EARLIER)
        timed = mails.build(count, start=EARLIER)
        sampled = mails.build(sample, start=EARLIER + count)
        _append(server, earlier)
        mailbox_poll(account)  # the starting point: what is there now is not read
        first_id = RawMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        append_s = _append(server, timed)
        profiler = cProfile.Profile() if profile else None
        with override_settings(DEBUG=False):
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            result = mailbox_poll(account)
            if profiler:
                profiler.disable()
            poll_s = time.perf_counter() - started
        second = mailbox_poll(account)

        figures = _figures(account, timed, first_id, append_s, poll_s, second.read)
        if result.failure:
            figures.problems.append(f"the poll failed: {result.failure}")
        figures.problems += _mailbox_problems(server, earlier, timed)
        figures.problems += _earlier_not_read(account, earlier)
        if sampled:
            _append(server, sampled)
            with override_settings(DEBUG=False), CaptureQueriesContext(connection) as queries:
                mailbox_poll(account)
            figures.sample_messages, figures.sample_queries = len(sampled), len(queries)
            figures.statements = Counter(_shape(q["sql"]) for q in queries.captured_queries)
        if profiler:
            figures.profile = _profile_text(profiler)
    return figures


def _append(server: IMAPServer, mails: list[Mail]) -> float:
    """APPEND the emails over one connection; the seconds it took."""
    started = time.perf_counter()
    with server.client() as imap:
        for mail in mails:
            imap.append("INBOX", mail.body)
    return time.perf_counter() - started


def _figures(account, mails: list[Mail], first_id: int, append_s, poll_s, second_read):
    sent = Counter(mail.kind for mail in mails)
    entries = RawMessage.objects.filter(account=account, pk__gt=first_id)
    outcomes = dict(entries.values_list("outcome").annotate(n=Count("pk")).order_by())
    by_portal = Counter(
        mail.portal or "(the person's own email)" for mail in mails if mail.kind == INQUIRY
    )
    figures = PollFigures(
        messages=len(mails),
        sent={kind: sent.get(kind, 0) for kind in (INQUIRY, REPLY, JUNK)},
        append_s=append_s,
        poll_s=poll_s,
        outcomes=outcomes,
        by_portal=dict(sorted(by_portal.items())),
        leads=0,
        second_poll_read=second_read,
    )
    figures.problems = _log_problems(entries, mails, figures)
    return figures


def _log_problems(entries, mails: list[Mail], figures: PollFigures) -> list[str]:
    """Every email is exactly one entry with the outcome its kind calls for; each inquiry
    made one lead of its own, with its person's email; each reply went to the lead of the
    inquiry it answers."""
    problems = []
    by_id: dict[str, list] = {}
    for row in entries.values("external_id", "outcome", "lead_id"):
        by_id.setdefault(row["external_id"], []).append(row)
    sent_ids = {mail.message_id for mail in mails}
    lost = [mid for mid in sent_ids if mid not in by_id]
    doubled = [mid for mid, rows in by_id.items() if len(rows) > 1]
    unknown = [mid for mid in by_id if mid not in sent_ids]
    if lost:
        problems.append(f"{len(lost)} emails have no raw log entry (lost), e.g. {lost[0]}")
    if doubled:
        problems.append(f"{len(doubled)} emails have more than one entry, e.g. {doubled[0]}")
    if unknown:
        problems.append(f"{len(unknown)} entries of emails never sent, e.g. {unknown[0]}")
    expected = {INQUIRY: Outcome.CREATED, REPLY: Outcome.APPENDED, JUNK: Outcome.JUNK}
    wrong = Counter()
    for mail in mails:
        rows = by_id.get(mail.message_id) or [{}]
        if rows[0].get("outcome") != expected[mail.kind]:
            wrong[(mail.kind, mail.portal, rows[0].get("outcome"))] += 1
    for (kind, portal, outcome), n in sorted(wrong.items(), key=str):
        problems.append(f"{n} {kind} emails{f' of {portal}' if portal else ''} became {outcome}")

    inquiry_leads = {
        mail.message_id: by_id[mail.message_id][0]["lead_id"]
        for mail in mails
        if mail.kind == INQUIRY and mail.message_id in by_id
    }
    lead_ids = [lead_id for lead_id in inquiry_leads.values() if lead_id]
    figures.leads = len(set(lead_ids))
    if len(set(lead_ids)) != len(lead_ids):
        problems.append(f"{len(lead_ids) - len(set(lead_ids))} inquiries share a lead")
    contacts = {
        pk: (email, phone)
        for pk, email, phone in Lead.objects.filter(pk__in=lead_ids).values_list(
            "pk", "contact_email", "contact_phone"
        )
    }
    mismatched = [
        mail
        for mail in mails
        if mail.kind == INQUIRY
        and contacts.get(inquiry_leads.get(mail.message_id), ("", "")) != (mail.email, mail.phone)
    ]
    if mismatched:
        problems.append(
            f"{len(mismatched)} leads do not have their inquiry's email and phone, e.g. "
            f"{mismatched[0].template} as {mismatched[0].email or mismatched[0].phone}"
        )
    by_external = Counter(
        Lead.objects.filter(
            external_id__in=[f"mailbox:{mid}" for mid in inquiry_leads]
        ).values_list("external_id", flat=True)
    )
    if len(by_external) != len(inquiry_leads) or any(n != 1 for n in by_external.values()):
        problems.append(
            f"{len(inquiry_leads)} inquiries, {sum(by_external.values())} leads with their ids"
        )
    replies_astray = 0
    for mail in mails:
        if mail.kind != REPLY or mail.message_id not in by_id:
            continue
        expected_lead = inquiry_leads.get(mail.replies_to)
        if by_id[mail.message_id][0]["lead_id"] != expected_lead or not expected_lead:
            replies_astray += 1
    if replies_astray:
        problems.append(f"{replies_astray} replies are not on the lead of the email they answer")
    replies_logged = Activity.objects.filter(
        lead_id__in=lead_ids, kind=ActivityKind.EMAIL, direction=ActivityDirection.INBOUND
    ).count()
    if replies_logged != figures.sent[REPLY]:
        problems.append(f"{figures.sent[REPLY]} replies, {replies_logged} inbound conversations")
    return problems


def _mailbox_problems(server: IMAPServer, earlier: list[Mail], timed: list[Mail]) -> list[str]:
    """Every timed email is \\Seen (its lead committed); the earlier ones were left alone."""
    with server.client() as imap:
        imap.select_folder("INBOX", readonly=True)
        unseen = len(imap.search(["UNSEEN"]))
        total = len(imap.search(["ALL"]))
    problems = []
    if total < len(earlier) + len(timed):
        problems.append(f"the mailbox holds {total} emails, {len(earlier) + len(timed)} sent")
    if unseen != len(earlier):
        problems.append(f"{unseen} emails not \\Seen, {len(earlier)} expected (the earlier ones)")
    return problems


def _earlier_not_read(account: ChannelAccount, earlier: list[Mail]) -> list[str]:
    read = RawMessage.objects.filter(
        account=account, external_id__in=[mail.message_id for mail in earlier]
    ).count()
    return [f"{read} emails of before the first poll were read"] if read else []


def _shape(sql: str) -> str:
    """A statement without its values, so that one per message counts as one."""
    return LITERALS.sub("?", sql)[:160]


def _profile_text(profiler: cProfile.Profile, lines: int = 25) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)
    return out.getvalue()
