"""``manage.py bench_intake``: the intake API under load through gunicorn, then the rows
counted against the answers (nothing lost, nothing duplicated)."""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from leads.bench import intake_load as load
from leads.bench.intake_mail import TARGET_P95_S, MailResult, mail_phase
from leads.bench.intake_profile import (
    CANDIDATES_TARGET_MS,
    CandidateTiming,
    RequestProfile,
    profile_requests,
    time_candidates,
)
from leads.bench.intake_server import Gunicorn, ServerConfig
from leads.bench.measure import cpu_reference_ms, database_description


class Command(BaseCommand):
    help = (
        "Drive POST /api/intake/leads/ served by gunicorn (crm.wsgi, production settings) "
        "with wrk for --duration seconds, then count the stored rows against the answers: "
        "leads/s, p50/p90/p99, non-2xx answers, lost and duplicated inquiries; a retry phase "
        "(one external id posted many times at once); SQL queries per request and the client "
        "candidates lookup, in-process. PostgreSQL and Redis needed, wrk installed. Exits "
        "non-zero when an inquiry is lost or duplicated."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--duration", type=int, default=60, help="Seconds of load (60).")
        parser.add_argument(
            "--connections", type=int, default=16, help="wrk's open connections (16)."
        )
        parser.add_argument("--wrk-threads", type=int, default=1, help="wrk's threads (1).")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
        parser.add_argument(
            "--worker-class", choices=["sync", "gthread"], default="sync", help="(sync)"
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="Threads per gthread worker (4)."
        )
        parser.add_argument(
            "--db-conn-max-age",
            type=int,
            default=None,
            help="The server's DB_CONN_MAX_AGE (default: production's, 60 unless this "
            "environment sets DB_CONN_MAX_AGE; 0 opens a connection per request).",
        )
        parser.add_argument(
            "--existing-share",
            type=float,
            default=0.1,
            help="Share of inquiries with an existing client's phone or email (0.1).",
        )
        parser.add_argument(
            "--retry-concurrency", type=int, default=20, help="Posts of one external id at once."
        )
        parser.add_argument("--retry-rounds", type=int, default=5, help="Retry rounds (5).")
        parser.add_argument(
            "--candidates",
            type=int,
            default=50,
            help="Leads whose client candidates are timed (50; 0 to skip).",
        )
        parser.add_argument(
            "--mail-count",
            type=int,
            default=200,
            help="Inquiries whose email is timed into the SMTP sink (200; 0 to skip).",
        )
        parser.add_argument(
            "--mail-rate", type=float, default=20, help="Their rate, inquiries per second (20)."
        )
        parser.add_argument(
            "--redis-url",
            default="redis://127.0.0.1:6379/12",
            help="The server's cache and Celery broker; EMPTIED after the run.",
        )
        parser.add_argument("--show-queries", action="store_true", help="Print the SQL.")
        parser.add_argument(
            "--cleanup", action="store_true", help="Delete this run's leads afterwards."
        )
        parser.add_argument("--save", help="Write the figures as JSON to this file.")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL.")
        load.ensure_wrk()
        load.check_redis(options["redis_url"])
        config = ServerConfig(
            workers=options["workers"],
            worker_class=options["worker_class"],
            threads=options["threads"],
            redis_url=options["redis_url"],
            conn_max_age=options["db_conn_max_age"],
        )
        run_id = load.new_run_id()
        workdir = load.workdir()
        source, token = load.bench_source(rate_per_minute=1_000_000)
        rule = load.bench_rule(source)
        contacts = workdir / "contacts.tsv"
        sampled = load.write_contacts_file(contacts, clients=2000)
        sizes = load.data_sizes()
        self._print_header(run_id, sizes, config, options, sampled, workdir)
        self.stdout.write(
            f"routing: rule '{rule.name}', round robin over {rule.pool.count()} advisors "
            "(a known client's inquiry goes to the caretaker)"
        )

        profiles = profile_requests(token=token, run_id=run_id, contacts=contacts)
        self._print_profiles(profiles, options["show_queries"])

        server = Gunicorn(config, log_path=workdir / "gunicorn.log")
        mail = None
        try:
            with server:
                # First, while the workers are cold: concurrent retries of one delivery.
                retries = load.retry_phase(
                    base_url=server.base_url,
                    token=token,
                    source=source,
                    run_id=run_id,
                    concurrency=options["retry_concurrency"],
                    rounds=options["retry_rounds"],
                )
                self.stderr.write(f"  wrk: {options['duration']} s…")
                result = load.run_wrk(
                    base_url=server.base_url,
                    token=token,
                    run_id=run_id,
                    contacts=contacts,
                    existing_share=options["existing_share"],
                    duration_s=options["duration"],
                    connections=options["connections"],
                    threads=min(options["wrk_threads"], options["connections"]),
                    workdir=workdir,
                )
                # No worker ran during the load: its notifications are dropped from the
                # queue (their rows stay unsent) before one worker starts for the last phase,
                # once the requests in flight when wrk stopped have answered.
                time.sleep(1)
                queued = load.queued_and_flush(options["redis_url"])
                if options["mail_count"]:
                    self.stderr.write(
                        f"  intake → email: {options['mail_count']} inquiries at "
                        f"{options['mail_rate']:g}/s, one Celery worker…"
                    )
                    mail = mail_phase(
                        server=server,
                        token=token,
                        run_id=run_id,
                        count=options["mail_count"],
                        rate_per_s=options["mail_rate"],
                        workdir=workdir,
                    )
        finally:
            load.queued_and_flush(options["redis_url"])
        (workdir / "wrk.txt").write_text(result.wrk_output)
        tally = load.count_rows(source=source, run_id=run_id, answers=result.answers)
        self._print_load(result, tally, queued)
        self._print_retries(retries, options["retry_concurrency"])

        if mail is not None:
            self._print_mail(mail)

        candidates = None
        if options["candidates"]:
            candidates = time_candidates(leads=options["candidates"])
            self._print_candidates(candidates)

        if options["cleanup"]:
            deleted = load.delete_run(source=source, run_id=run_id)
            self.stdout.write(f"cleanup: the {deleted:,} leads of run {run_id} deleted")
        self.stdout.write(
            f"load average at the end: {_load()}; server log and wrk output in {workdir}"
        )
        if options["save"]:
            figures = {
                "run_id": run_id,
                "sizes": sizes,
                "server": asdict(config),
                "connections": options["connections"],
                "duration_s": result.duration_s,
                "requests": result.requests,
                "statuses": result.statuses,
                "outcomes": result.outcomes,
                "errors": result.errors,
                "leads_per_s": result.leads_per_s,
                "latency_ms": result.latency_ms,
                "tally": {**asdict(tally), "unanswered": tally.unanswered},
                "retries_ok": all(r.ok for r in retries),
                "mail": (
                    {
                        "posted": mail.posted,
                        "rate_per_s": mail.rate_per_s,
                        "delivered": mail.delivered,
                        "duplicated": mail.duplicated,
                        "median_s": mail.median,
                        "p95_s": mail.percentile(0.95),
                        "max_s": max(mail.latencies_s, default=None),
                    }
                    if mail
                    else None
                ),
                "queries": {p.label: p.queries for p in profiles},
                "candidates": (
                    {"median_ms": candidates.median, "p95_ms": candidates.p95}
                    if candidates
                    else None
                ),
            }
            Path(options["save"]).write_text(json.dumps(figures, indent=2))

        problems = []
        if tally.lost or tally.duplicated_external_ids or tally.duplicated_receipts:
            problems.append(f"{tally.lost} lost, {tally.duplicated_external_ids} duplicated")
        if not all(r.ok for r in retries):
            problems.append("concurrent retries did not make exactly one lead")
        if mail is not None and (mail.missing or mail.duplicated):
            problems.append(f"{mail.missing} emails missing, {mail.duplicated} sent twice")
        if problems:
            raise CommandError("; ".join(problems))

    def _print_header(self, run_id, sizes, config, options, sampled, workdir) -> None:
        server = (
            f"{config.workers} gthread workers × {config.threads} threads"
            if config.worker_class == "gthread"
            else f"{config.workers} sync workers"
        )
        self.stdout.write(
            f"Lejek intake bench, run {run_id} · {database_description()} · "
            f"{os.cpu_count()} CPUs, load {_load()}, sum(range(10**6)) in "
            f"{cpu_reference_ms():.0f} ms"
        )
        self.stdout.write("data: " + " · ".join(f"{n:,} {what}" for what, n in sizes.items()))
        self.stdout.write(
            f"server: gunicorn crm.wsgi, {server}, production settings (DEBUG off), "
            f"DB_CONN_MAX_AGE={_conn_max_age(config)}, cache + Celery broker {config.redis_url}"
        )
        self.stdout.write(
            f"load: wrk {options['duration']} s, {options['connections']} connections, "
            f"{options['wrk_threads']} thread(s); {options['existing_share']:.0%} of inquiries "
            f"with the contact of one of {sampled:,} sampled clients; files in {workdir}"
        )

    def _print_profiles(self, profiles: list[RequestProfile], show: bool) -> None:
        self.stdout.write("")
        self.stdout.write(
            "one request naming an investment, in-process (test client, no contention, "
            "Celery send stubbed), median of 20:"
        )
        for p in profiles:
            self.stdout.write(
                f"  {p.label:<28} {p.status} {p.outcome:<10} {p.queries:>3} queries  "
                f"SQL {p.sql_ms:5.1f} ms  total {p.total_ms:5.1f} ms"
            )
            if show:
                for statement in p.statements:
                    self.stdout.write(f"      {statement[:200]}")

    def _print_load(self, result: load.LoadResult, tally: load.Tally, queued: int) -> None:
        r, t = result, tally
        statuses = ", ".join(f"{code} × {n:,}" for code, n in sorted(r.statuses.items()))
        outcomes = ", ".join(f"{what} {n:,}" for what, n in sorted(r.outcomes.items()))
        non_2xx = ", ".join(f"{code} × {n:,}" for code, n in sorted(r.non_2xx.items())) or "none"
        errors = ", ".join(f"{what} {n}" for what, n in r.errors.items() if n) or "none"
        p = r.latency_ms
        rate_ok = r.leads_per_s >= load.TARGET_LEADS_PER_S
        p99_ok = p["99"] < load.TARGET_P99_MS
        self.stdout.write("")
        self.stdout.write(
            f"load: {r.requests:,} requests in {r.duration_s:.1f} s: {statuses} ({outcomes})"
        )
        self.stdout.write(f"  non-2xx: {non_2xx} · socket errors: {errors}")
        self.stdout.write(
            f"  {r.leads_per_s:.1f} leads/s · target ≥{load.TARGET_LEADS_PER_S}: "
            f"{'ok' if rate_ok else 'MISSED'}"
        )
        self.stdout.write(
            f"  latency p50 {p['50']:.1f} · p90 {p['90']:.1f} · p99 {p['99']:.1f} · "
            f"max {r.max_ms:.1f} ms · target p99 <{load.TARGET_P99_MS}: "
            f"{'ok' if p99_ok else 'MISSED'}"
        )
        self.stdout.write(
            f"rows: {t.receipts:,} receipts, {t.leads:,} new leads with "
            f"{t.distinct_external_ids:,} distinct external ids ({t.repeats:,} recognised as "
            f"a client's repeat inquiry), for {t.answered_201:,} answers 201 · lost {t.lost} · "
            f"duplicated {t.duplicated_external_ids + t.duplicated_receipts} · stored but "
            f"unanswered (in flight when wrk stopped) {t.unanswered}"
        )
        self.stdout.write(f"notifications queued in Redis: {queued:,} (flushed, no worker ran)")

    def _print_retries(self, rounds: list[load.RetryRound], concurrency: int) -> None:
        ok = all(r.ok for r in rounds)
        statuses = sum((r.statuses for r in rounds), start=type(rounds[0].statuses)())
        self.stdout.write(
            f"retries: {len(rounds)} × {concurrency} concurrent posts of one external id: "
            + ", ".join(f"{code} × {n}" for code, n in sorted(statuses.items()))
            + f"; leads stored per id: {sorted({r.stored_leads for r in rounds})}, answers "
            f"naming one lead: {'yes' if all(len(r.lead_ids) == 1 for r in rounds) else 'NO'}"
            f" · {'ok' if ok else 'FAILED'}"
        )

    def _print_mail(self, mail: MailResult) -> None:
        statuses = ", ".join(f"{code} × {n}" for code, n in sorted(mail.statuses.items()))
        self.stdout.write(
            f"intake → email: {mail.posted} inquiries at {mail.rate_per_s:g}/s ({statuses}), "
            f"one Celery worker (solo), SMTP sink on loopback: {mail.delivered} emails, "
            f"{mail.missing} missing, {mail.duplicated} twice, {mail.unexpected_emails} "
            f"others · latency median {mail.median:.2f} s · p95 {mail.percentile(0.95):.2f} s "
            f"· max {max(mail.latencies_s, default=math.nan):.2f} s · target p95 "
            f"<{TARGET_P95_S:g} s: {'ok' if mail.ok else 'MISSED'}"
        )

    def _print_candidates(self, timing: CandidateTiming | None) -> None:
        if timing is None:
            self.stdout.write("candidates: leads.candidates.client_candidates not there; skipped")
            return
        ok = timing.median < CANDIDATES_TARGET_MS
        self.stdout.write(
            f"candidates: client_candidates of {timing.leads} leads (a manager of their "
            f"branch) × {len(timing.timings_ms) // timing.leads}: median {timing.median:.1f} ms "
            f"· p95 {timing.p95:.1f} ms · {timing.queries} queries · {timing.found} with "
            f"candidates · target median <{CANDIDATES_TARGET_MS}: {'ok' if ok else 'MISSED'}"
        )


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _conn_max_age(config: ServerConfig) -> str:
    if config.conn_max_age is not None:
        return str(config.conn_max_age)
    return os.environ.get("DB_CONN_MAX_AGE", "production's default")
