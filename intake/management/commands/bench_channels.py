"""``manage.py bench_channels``: issue 18's speed figures: a mailbox poll of 1 000 emails
of mixed portals from a local Dovecot, and a webhook's answers while the worker lags, each
with its rows counted (nothing lost, nothing duplicated, junk counted)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from leads.bench.measure import cpu_reference_ms, database_description

from ...bench import common
from ...bench.mail import DIRECT, FIXTURES, JUNK, PORTAL, REPLY, mail_set
from ...bench.poll import TARGET_S, PollFigures, poll_phase
from ...bench.webhook import TARGET_P95_MS, WebhookFigures, webhook_phase


class Command(BaseCommand):
    help = (
        "Poll: start a Dovecot of its own, point the bench's mailbox account at it (made "
        "once, then reused), poll once (the starting point), APPEND --messages emails of "
        "mixed portals (made from the .eml fixtures, each with a person of its own; 10% "
        "junk, 5% replies to earlier inquiries, 10% written by people themselves) and "
        "time one mailbox_poll end to end. Webhook: POST --webhooks deliveries, one after "
        "another, to Otodom's webhook (signed as OLX signs) served by "
        "gunicorn with production settings while no Celery worker runs (tasks pile up in "
        "Redis), each answer timed; then process the backlog and count the rows. Prints "
        "the data sizes first. Exits non-zero when an email or a delivery is lost or "
        "doubled, or a target is missed (60 s for the poll, p95 100 ms for the webhook; "
        "--allow-slow only reports those). Re-runnable: everything a run makes is unique to "
        "it, and the leads and raw log entries of the bench's accounts are deleted at the "
        "end (--keep leaves them, until the next run); "
        "the bench's accounts, listings, source and assignment rule stay for the next run. "
        "PostgreSQL only; fill the database with generate_bench_data first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--messages", type=int, default=1000, help="Emails polled (default 1000)."
        )
        parser.add_argument(
            "--webhooks", type=int, default=500, help="Webhook deliveries (default 500)."
        )
        parser.add_argument(
            "--fixtures", type=Path, default=FIXTURES, help="Where the portals' .eml are."
        )
        parser.add_argument(
            "--sample",
            type=int,
            default=20,
            help="Emails polled after the timed poll, their SQL counted (20).",
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
        parser.add_argument(
            "--redis-url",
            default="redis://127.0.0.1:6379/10",
            help="The Celery broker nobody consumes (and the server's cache); EMPTIED.",
        )
        parser.add_argument("--profile", action="store_true", help="cProfile the poll.")
        parser.add_argument(
            "--show-queries", action="store_true", help="Print the sample's SQL statements."
        )
        parser.add_argument(
            "--allow-slow", action="store_true", help="Report a missed target, exit 0."
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep this run's leads and raw log entries."
        )
        parser.add_argument("--save", type=Path, help="Write the figures as JSON to this file.")

    def handle(self, *args, **options) -> None:
        common.ensure_postgresql()
        run_id = common.new_run_id()
        write = self.stdout.write
        debug = "DEBUG off while timed" if settings.DEBUG else "DEBUG off"
        write(
            f"Lejek channels bench, run {run_id} · {database_description()} · "
            f"{os.cpu_count()} CPUs, load {_load()}, sum(range(10**6)) in "
            f"{cpu_reference_ms():.0f} ms · {debug}"
        )
        sizes = common.data_sizes()
        write("data: " + " · ".join(f"{n:,} {what}" for what, n in sizes.items()))
        mails = mail_set(run_id, options["fixtures"])
        if not mails.of(PORTAL):
            raise CommandError(
                f"No portal email in {options['fixtures']} that a parser claims and reads "
                f"(run the migrations: intake 0003 adds the portals' parsers): {mails.skipped}"
            )
        self._print_templates(mails)

        source = common.bench_source()
        common.bench_rule([source, *common.portal_sources()])
        workdir = Path(tempfile.mkdtemp(prefix="bench-channels-"))
        poll = webhook = None
        try:
            with common.celery_without_worker(options["redis_url"]):
                if options["messages"]:
                    self.stderr.write(f"  poll: {options['messages']} emails…")
                    poll = poll_phase(
                        mails=mails,
                        count=options["messages"],
                        source=source,
                        profile=options["profile"],
                        sample=options["sample"],
                    )
                    self._print_poll(poll, show_queries=options["show_queries"])
                if options["webhooks"]:
                    self.stderr.write(f"  webhook: {options['webhooks']} deliveries…")
                    webhook = webhook_phase(
                        count=options["webhooks"],
                        run_id=run_id,
                        source=source,
                        redis_url=options["redis_url"],
                        workers=options["workers"],
                        workdir=workdir,
                    )
                    self._print_webhook(webhook, options["workers"])
        finally:
            common.redis_flush(options["redis_url"])
            if not options["keep"]:
                leads, entries = common.run_delete()
                write(
                    f"cleanup: {leads:,} leads and {entries:,} raw log entries of the run "
                    "deleted (the bench's accounts, listings, source and rule stay)"
                )
        write(f"load average at the end: {_load()}; gunicorn's log in {workdir}")
        if options["save"]:
            options["save"].write_text(json.dumps(_figures(run_id, sizes, poll, webhook), indent=2))
        self._verdict(poll, webhook, allow_slow=options["allow_slow"])

    def _print_templates(self, mails) -> None:
        portals = sorted({template.portal for template in mails.of(PORTAL)})
        kinds = ", ".join(
            f"{len(mails.of(kind))} {label}"
            for kind, label in (
                (PORTAL, "portals' notifications"),
                (DIRECT, "people's own emails"),
                (REPLY, "replies"),
                (JUNK, "junk"),
            )
        )
        self.stdout.write(f"fixtures: {kinds}; portals: {', '.join(portals)} ({len(portals)})")
        for name, why in mails.skipped.items():
            self.stdout.write(f"  left out: {name}: {why}")

    def _print_poll(self, poll: PollFigures, *, show_queries: bool) -> None:
        write = self.stdout.write
        sent = ", ".join(f"{n} {kind}" for kind, n in poll.sent.items())
        write("")
        write(
            f"poll: {poll.messages:,} emails ({sent}) APPENDed to a Dovecot of its own in "
            f"{poll.append_s:.1f} s (not counted)"
        )
        ok = poll.poll_s < TARGET_S
        write(
            f"  mailbox_poll: {poll.messages:,} messages in {poll.poll_s:.1f} s · "
            f"{poll.per_s:.1f} messages/s · target <{TARGET_S} s: {'ok' if ok else 'MISSED'}"
        )
        outcomes = " · ".join(
            f"{name} {poll.outcomes.get(name, 0)}"
            for name in ("created", "appended", "junk", "error", "duplicate", "pending")
        )
        write(f"  outcomes: {outcomes}")
        write("  inquiries by portal: " + ", ".join(f"{k} {n}" for k, n in poll.by_portal.items()))
        checks = "ok" if not poll.problems else "FAILED: " + "; ".join(poll.problems)
        write(
            f"  checks: one raw log entry per Message-ID, {poll.leads} leads for "
            f"{poll.sent['inquiry']} inquiries, replies on the leads they answer, every email "
            f"\\Seen, the emails of before the first poll not read, a second poll read "
            f"{poll.second_poll_read}: {checks}"
        )
        if poll.sample_messages:
            write(
                f"  queries: {poll.queries_per_message:.1f} per email ({poll.sample_messages} "
                "more emails polled with the queries counted)"
            )
        if show_queries:
            for statement, n in poll.statements.most_common():
                write(f"    {n:>4} × {statement}")
        if poll.profile:
            write(poll.profile)

    def _print_webhook(self, hook: WebhookFigures, workers: int) -> None:
        write = self.stdout.write
        s = hook.summary()
        statuses = ", ".join(f"{code} × {n}" for code, n in sorted(hook.statuses.items()))
        ok = s["p95_ms"] < TARGET_P95_MS
        write("")
        write(
            f"webhook: {hook.deliveries} Otodom deliveries timed (after {hook.warm} "
            f"untimed, to warm the workers) to {hook.url}, one after another, gunicorn "
            f"({workers} sync workers, production settings), no Celery worker: {statuses}"
        )
        write(
            f"  answers: median {s['median_ms']:.1f} ms · p95 {s['p95_ms']:.1f} ms · max "
            f"{s['max_ms']:.1f} ms · target p95 <{TARGET_P95_MS} ms: {'ok' if ok else 'MISSED'}"
            f"; {hook.resent} sent again: p95 {s['resent_p95_ms']:.1f} ms"
        )
        write(
            f"  the worker lags: {hook.queued} tasks waiting in Redis, {hook.waiting} entries "
            f"pending; the backlog processed (raw_process, in-process) in {hook.backlog_s:.1f} s"
        )
        outcomes = " · ".join(f"{name} {n}" for name, n in sorted(hook.outcomes.items()))
        checks = "ok" if not hook.problems else "FAILED: " + "; ".join(hook.problems)
        write(
            f"  outcomes: {outcomes}; {hook.leads} leads, one per delivery, none for a "
            f"delivery sent again: {checks}"
        )

    def _verdict(self, poll, webhook, *, allow_slow: bool) -> None:
        problems = [*(poll.problems if poll else []), *(webhook.problems if webhook else [])]
        if problems:
            raise CommandError("; ".join(problems))
        slow = []
        if poll and poll.poll_s >= TARGET_S:
            slow.append(f"the poll took {poll.poll_s:.1f} s (target <{TARGET_S} s)")
        if webhook and webhook.summary()["p95_ms"] >= TARGET_P95_MS:
            slow.append(f"the webhook's p95 is {webhook.summary()['p95_ms']:.1f} ms")
        if slow and not allow_slow:
            raise CommandError("; ".join(slow))


def _figures(run_id, sizes, poll: PollFigures | None, webhook: WebhookFigures | None) -> dict:
    figures: dict = {"run_id": run_id, "sizes": sizes}
    if poll is not None:
        figures["poll"] = {
            **{k: v for k, v in asdict(poll).items() if k not in ("profile", "statements")},
            "messages_per_s": poll.per_s,
            "queries_per_message": poll.queries_per_message,
            "target_s": TARGET_S,
        }
    if webhook is not None:
        figures["webhook"] = {
            "deliveries": webhook.deliveries,
            "warm": webhook.warm,
            "resent": webhook.resent,
            **webhook.summary(),
            "statuses": {str(code): n for code, n in webhook.statuses.items()},
            "queued": webhook.queued,
            "waiting": webhook.waiting,
            "backlog_s": webhook.backlog_s,
            "outcomes": webhook.outcomes,
            "leads": webhook.leads,
            "problems": webhook.problems,
            "target_p95_ms": TARGET_P95_MS,
        }
    return figures


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())
