"""``manage.py bench_work``: issue 5's speed figures (a heavy lead's page and tabs, "My day"
of an advisor with thousands of open leads, the reminder sweep over a million
conversations) against a database filled by generate_bench_data, after ``--setup``."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from leads.bench import measure, work
from leads.bench.database import ensure_bench_database
from leads.bench.work_data import WorkDataLoader, media_root_default, reset_work_data


class Command(BaseCommand):
    help = (
        "With --setup, add issue 5's data to a database filled by generate_bench_data: a "
        "heavy lead (200 conversations, 20 offers, 50 documents, notes, surveys, "
        "reservations, a contract, their history), a light lead to compare its query counts "
        "with, an advisor with --open-leads open leads, and conversations up to "
        "--conversations rows (tops up; --reset-work deletes what it added first). Then "
        "time, in-process, the heavy lead's detail page and tabs and the advisor's 'My day', "
        "and run the reminder sweep in a rolled-back transaction; print the data sizes and a "
        "table against the issue's targets. PostgreSQL only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--setup", action="store_true", help="Load (top up) the data first.")
        parser.add_argument(
            "--setup-only", action="store_true", help="Load the data and time nothing."
        )
        parser.add_argument(
            "--reset-work",
            action="store_true",
            help="Delete what an earlier --setup added (its leads, files and conversations); "
            "alone, nothing is timed.",
        )
        parser.add_argument(
            "--conversations",
            type=int,
            default=1_000_000,
            help="Conversations in the whole table after the setup (default 1000000).",
        )
        parser.add_argument(
            "--open-leads",
            type=int,
            default=5_000,
            help="The advisor's open leads after the setup (default 5000).",
        )
        parser.add_argument(
            "--due-in-window",
            type=int,
            default=300,
            help="Planned conversations due within the reminder window (default 300).",
        )
        parser.add_argument(
            "--advisor", help="Username of the advisor (default: the biggest branch's busiest)."
        )
        parser.add_argument(
            "--media-root",
            default=media_root_default(),
            help=f"Where the documents' files go (default {media_root_default()}).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument("--runs", type=int, default=30, help="Timed rounds (default 30).")
        parser.add_argument(
            "--allow-missing",
            action="store_true",
            help="Report a page or the sweep that is missing or failing instead of exiting "
            "non-zero.",
        )
        parser.add_argument("--save", help="Write the figures as JSON to this file.")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL.")
        # --reset-work deletes only what --setup added (marked rows and files), so any
        # PostgreSQL database will do, the CI test's too.
        ensure_bench_database(reset=False)
        if options["reset_work"]:
            deleted = reset_work_data(media_root=options["media_root"])
            self.stdout.write(
                "reset: " + " · ".join(f"{n:,} {what}" for what, n in deleted.items())
            )
        if options["setup"] or options["setup_only"]:
            self._setup(options)
        if options["setup_only"] or (options["reset_work"] and not options["setup"]):
            return

        subjects = work.find_work_subjects()
        self._print_header(subjects, options["runs"])
        pages = work.build_work_pages(subjects)
        work.time_work_pages(
            pages,
            runs=options["runs"],
            media_root=options["media_root"],
            progress=self.stderr.write,
        )
        self.stderr.write("  reminder sweep…")
        sweep = work.time_sweep(subjects, runs=options["runs"])
        self._print_table(pages, sweep)
        self.stdout.write(f"load average at the end: {_load()}")
        if options["save"]:
            Path(options["save"]).write_text(
                json.dumps(_figures(pages, sweep, work.work_sizes(subjects)), indent=2)
            )
        failing = [f"{p.label} ({p.note or p.status})" for p in pages if p.status != 200]
        if sweep.status != "ok":
            failing.append(f"reminder sweep ({sweep.status})")
        if failing and not options["allow_missing"]:
            raise CommandError(f"Missing or failing: {', '.join(failing)}")

    def _setup(self, options: dict) -> None:
        started = time.perf_counter()
        self.stdout.write(
            f"Setting up issue 5's data in {connection.settings_dict['NAME']!r}: "
            f"{options['conversations']:,} conversations, {options['open_leads']:,} open "
            f"leads of one advisor, files in {options['media_root']}…"
        )
        loader = WorkDataLoader(
            conversations=options["conversations"],
            open_leads=options["open_leads"],
            advisor=options["advisor"],
            due_in_window=options["due_in_window"],
            media_root=options["media_root"],
            seed=options["seed"],
            out=self.stdout.write,
        )
        steps = loader.run()
        rows = sum(step.rows for step in steps)
        self.stdout.write(
            self.style.SUCCESS(
                f"Set up in {time.perf_counter() - started:.1f} s: {rows:,} rows added."
            )
        )

    def _print_header(self, subjects: work.WorkSubjects, runs: int) -> None:
        debug = "DEBUG on (slower: queries are logged)" if settings.DEBUG else "DEBUG off"
        self.stdout.write(
            f"Lejek bench_work · {measure.database_description()} · {os.cpu_count()} CPUs, "
            f"load {_load()}, sum(range(10**6)) in {measure.cpu_reference_ms():.0f} ms · {debug}"
        )
        sizes = work.work_sizes(subjects)
        tables = sizes["tables"]
        self.stdout.write("data: " + " · ".join(f"{n:,} {what}" for what, n in tables.items()))
        heavy = sizes["heavy lead"]
        self.stdout.write(
            f"heavy lead {subjects.heavy.pk}: "
            + " · ".join(f"{n:,} {what}" for what, n in heavy.items())
            + f"; light lead {subjects.light.pk}"
        )
        advisor = sizes["advisor"]
        self.stdout.write(
            f"advisor {subjects.advisor.username}: "
            + " · ".join(f"{n:,} {what}" for what, n in advisor.items())
        )
        sweep = sizes["sweep"]
        self.stdout.write(
            f"sweep time {subjects.sweep_at:%Y-%m-%d %H:%M:%S %Z}: "
            f"{sweep['due in the window']:,} planned conversations due within "
            f"{sweep['minutes']} minutes"
        )
        self.stdout.write(
            f"{runs} timed rounds after a warm-up, in-process test client as the advisor "
            "(tabs with HX-Request); times in ms (cpu: this process's CPU time, PostgreSQL's "
            "not included); light: the light lead's queries for the same page"
        )

    def _print_table(self, pages: list[work.WorkPage], sweep: work.Sweep) -> None:
        self.stdout.write("")
        self.stdout.write(
            f"{'name':<20} {'HTTP':>7} {'queries':>7} {'light':>5} {'bytes':>8} "
            f"{'median':>8} {'p95':>8} {'cpu':>6}  target"
        )
        for page in pages:
            status = page.note or str(page.status)
            light = "" if page.light_queries is None else str(page.light_queries)
            line = (
                f"{page.label:<20} {status:>7} {page.queries:>7} {light:>5} "
                f"{round(page.size_kb * 1024):>8} "
            )
            if not page.timings_ms:
                self.stdout.write(line + f"{'—':>8} {'—':>8} {'—':>6}  <{page.target_ms:.0f} FAIL")
                continue
            result = work.verdict(page.median, page.target_ms, constant=page.constant)
            self.stdout.write(
                line + f"{page.median:>8.1f} {page.p95:>8.1f} {page.cpu_median:>6.0f}  "
                f"<{page.target_ms:.0f} {result}"
            )
        line = f"{'reminder sweep':<20} {sweep.status:>7} {sweep.queries:>7} {'':>5} {'—':>8} "
        target = f"<{work.SWEEP_TARGET_MS}"
        if not sweep.timings_ms:
            self.stdout.write(
                line + f"{'—':>8} {'—':>8} {'—':>6}  {target} FAIL {sweep.note}".rstrip()
            )
            return
        result = work.verdict(sweep.median, work.SWEEP_TARGET_MS)
        self.stdout.write(
            line + f"{sweep.median:>8.1f} {sweep.p95:>8.1f} {sweep.cpu_median:>6.0f}  "
            f"{target} {result} "
            f"({sweep.found:,} reminders queued, rolled back)"
        )


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _figures(pages: list[work.WorkPage], sweep: work.Sweep, sizes: dict) -> dict:
    figures: dict = {
        page.key: {
            "label": page.label,
            "status": page.note or page.status,
            "queries": page.queries,
            "light_queries": page.light_queries,
            "bytes": round(page.size_kb * 1024),
            "median_ms": page.median if page.timings_ms else None,
            "p95_ms": page.p95 if page.timings_ms else None,
            "cpu_ms": page.cpu_median if page.timings_ms else None,
            "target_ms": page.target_ms,
        }
        for page in pages
    }
    figures["reminder_sweep"] = {
        "status": sweep.status,
        "queries": sweep.queries,
        "found": sweep.found,
        "median_ms": sweep.median if sweep.timings_ms else None,
        "p95_ms": sweep.p95 if sweep.timings_ms else None,
        "cpu_ms": sweep.cpu_median if sweep.timings_ms else None,
        "target_ms": work.SWEEP_TARGET_MS,
        "at": sweep.at.isoformat(),
    }
    figures["sizes"] = sizes
    return figures
