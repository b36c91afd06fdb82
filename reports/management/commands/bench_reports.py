"""``manage.py bench_reports``: issue 6's speed figures (every report at a million leads,
the by-month sources export, the import of a 10 000-row file) against a database filled
by generate_bench_data, after ``--setup``."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from crm.core.dates import day_start
from leads.bench import measure
from leads.bench import reports_import as bench
from leads.bench.database import ensure_bench_database
from leads.models import Lead
from reports.models import AdvisorTally, LeadTally, TalliedSlice
from reports.periods import next_month
from reports.tallies import marked_slices, report_tallies_fold, report_tallies_rebuild


class Command(BaseCommand):
    help = (
        "With --setup, top up a database filled by generate_bench_data to --conversations "
        "conversations and give its leads the events the response-time report reads. Then "
        "time, in-process, every report page (as the biggest branch's manager and as an "
        "administrator, over the whole range of dates) and its .xlsx export, and the import "
        "of a generated --import-rows file (upload, dry run, run; the leads it makes stay); "
        "print the data sizes and a table against the issue's targets. PostgreSQL only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--setup", action="store_true", help="Load (top up) the data first.")
        parser.add_argument(
            "--setup-only", action="store_true", help="Load the data and time nothing."
        )
        parser.add_argument(
            "--conversations",
            type=int,
            default=3_000_000,
            help="Conversations in the whole table after the setup (default 3000000).",
        )
        parser.add_argument(
            "--import-rows",
            type=int,
            default=10_000,
            help="Rows of the generated import file (default 10000; 0 skips the import).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument("--runs", type=int, default=5, help="Timed rounds (default 5).")
        parser.add_argument(
            "--statement-timeout",
            type=float,
            default=30,
            help="Cut any SQL statement of a page after this many seconds; the page is "
            "reported as 'timeout' (default 30).",
        )
        parser.add_argument(
            "--slow-after",
            type=float,
            default=10,
            help="A page whose warm-up takes longer is not repeated: its warm-up and its "
            "counted request are its timings (default 10 s).",
        )
        parser.add_argument(
            "--allow-missing",
            action="store_true",
            help="Report a page or the import that is missing or failing instead of exiting "
            "non-zero.",
        )
        parser.add_argument("--save", help="Write the figures as JSON to this file.")
        parser.add_argument(
            "--changed-months",
            type=int,
            default=3,
            help="Before the timing, change one lead in this many random months of each "
            "branch (default 3): the reports count those months lead by lead, as they do "
            "between a change and the next fold of the tallies.",
        )
        parser.add_argument(
            "--import-only",
            action="store_true",
            help="Time the import only, not the report pages (no --setup needed).",
        )

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL.")
        ensure_bench_database(reset=False)
        if options["setup"] or options["setup_only"]:
            self._setup(options)
        if options["setup_only"]:
            return

        subjects = bench.find_report_subjects()
        sizes = bench.reports_sizes()
        self._print_header(subjects, sizes, options["runs"])
        if not options["import_only"]:
            self._change_months(options["changed_months"], seed=options["seed"])
        pages = [] if options["import_only"] else bench.build_report_pages(subjects)
        if pages:
            self.stderr.write(f"  {len(pages)} pages × {options['runs']} rounds…")
            bench.time_report_pages(
                pages,
                runs=options["runs"],
                timeout_s=options["statement_timeout"],
                slow_s=options["slow_after"],
                progress=self.stderr.write,
            )
        imported = None
        if options["import_rows"] > 0:
            self.stderr.write(f"  import of {options['import_rows']:,} rows…")
            imported = bench.time_import(
                user=subjects.manager,
                rows=options["import_rows"],
                seed=options["seed"],
                progress=self.stderr.write,
            )
        self._print_table(pages, imported)
        self.stdout.write(f"load average at the end: {_load()}")
        if options["save"]:
            Path(options["save"]).write_text(json.dumps(_figures(pages, imported, sizes), indent=2))
        failing = [f"{p.label} ({p.note or p.status})" for p in pages if p.status != 200]
        failing += [
            f"{p.label} (no timings)" for p in pages if p.status == 200 and not p.timings_ms
        ]
        if imported is not None and imported.status != "done":
            failing.append(f"import ({imported.status}: {imported.note})")
        if failing and not options["allow_missing"]:
            raise CommandError(f"Missing or failing: {', '.join(failing)}")

    def _setup(self, options: dict) -> None:
        started = time.perf_counter()
        self.stdout.write(
            f"Setting up issue 6's data in {connection.settings_dict['NAME']!r}: "
            f"{options['conversations']:,} conversations, the lead events…"
        )
        steps = bench.reports_setup(
            conversations=options["conversations"], seed=options["seed"], out=self.stdout.write
        )
        counted = time.perf_counter()
        slices = report_tallies_rebuild()
        with connection.cursor() as cursor:
            for model in (LeadTally, AdvisorTally, TalliedSlice):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
        self.stdout.write(
            f"  tallies: {slices:,} branch months counted in {time.perf_counter() - counted:.1f} s"
            f" ({LeadTally.objects.count():,} lead and {AdvisorTally.objects.count():,} advisor"
            " tallies)"
        )
        rows = sum(step.rows for step in steps)
        self.stdout.write(
            self.style.SUCCESS(
                f"Set up in {time.perf_counter() - started:.1f} s: {rows:,} rows added."
            )
        )

    def _change_months(self, per_branch: int, *, seed: int) -> None:
        """Fold what is marked, then change one lead in `per_branch` random tallied months
        of each branch: the state between a change and the next fold."""
        report_tallies_fold()
        rng = random.Random(seed)
        slices = sorted(TalliedSlice.objects.values_list("branch_id", "month"))
        for branch_id in sorted({branch_id for branch_id, _month in slices}):
            months = [month for b, month in slices if b == branch_id]
            for month in rng.sample(months, min(per_branch, len(months))):
                lead = (
                    Lead.objects.filter(
                        branch_id=branch_id,
                        created_at__gte=day_start(month),
                        created_at__lt=day_start(next_month(month)),
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
                if lead is not None:
                    Lead.objects.filter(pk=lead).update(updated_at=timezone.now())
        self.stdout.write(
            f"tallies: {len(slices):,} branch months counted, {len(marked_slices())} changed "
            f"since (counted lead by lead; --changed-months {per_branch} per branch)"
        )

    def _print_header(self, subjects: bench.ReportSubjects, sizes: dict, runs: int) -> None:
        debug = "DEBUG on (slower: queries are logged)" if settings.DEBUG else "DEBUG off"
        self.stdout.write(
            f"Lejek bench_reports · {measure.database_description()} · {os.cpu_count()} CPUs, "
            f"load {_load()}, sum(range(10**6)) in {measure.cpu_reference_ms():.0f} ms · {debug}"
        )
        self.stdout.write("data: " + " · ".join(f"{n:,} {what}" for what, n in sizes.items()))
        s = subjects
        self.stdout.write(
            f"dates {s.date_from:%d.%m.%Y}–{s.date_to:%d.%m.%Y} (the whole range); manager "
            f"{s.manager.username} of {s.branch_name} ({s.branch_leads:,} leads); "
            f"administrator {s.administrator.username}"
        )
        self.stdout.write(
            f"{runs} timed rounds after a warm-up, in-process test client; times in ms (cpu: "
            "this process's CPU time, PostgreSQL's not included); the import once, end to end "
            "(upload + dry run + run, Celery eager); a page slower than --slow-after is timed "
            "twice only (runs)"
        )

    def _print_table(self, pages, imported: bench.ImportRun | None) -> None:
        self.stdout.write("")
        self.stdout.write(
            f"{'name':<28} {'status':>7} {'queries':>7} {'runs':>4} {'median':>9} {'p95':>9} "
            f"{'cpu':>7}  target"
        )
        for page in pages:
            status = page.note if page.note in ("missing", "timeout") else str(page.status)
            line = f"{page.label:<28} {status:>7} {page.queries:>7} {len(page.timings_ms):>4} "
            target = "—" if page.target_ms is None else f"<{page.target_ms:.0f}"
            if not page.timings_ms:
                self.stdout.write(line + f"{'—':>9} {'—':>9} {'—':>7}  {target} FAIL")
                continue
            self.stdout.write(
                line + f"{page.median:>9.1f} {page.p95:>9.1f} {page.cpu_median:>7.0f}  "
                f"{target} {bench.verdict(page.median, page.target_ms)}"
            )
        if imported is None:
            return
        name = f"import {imported.rows:,} rows"
        target = f"<{bench.IMPORT_TARGET_MS}"
        if imported.status == bench.ERROR or not imported.seconds.get("run"):
            self.stdout.write(
                f"{name:<28} {imported.status:>7} {imported.queries:>7} {0:>4} {'—':>9} {'—':>9} "
                f"{'—':>7}  {target} FAIL {imported.note}".rstrip()
            )
            return
        total = imported.total_ms
        verdict = (
            bench.verdict(total, bench.IMPORT_TARGET_MS) if imported.status == "done" else "FAIL"
        )
        self.stdout.write(
            f"{name:<28} {imported.status:>7} {imported.queries:>7} {1:>4} {total:>9.1f} "
            f"{total:>9.1f} "
            f"{'—':>7}  {target} {verdict}"
        )
        steps = " + ".join(f"{what} {s:.1f} s" for what, s in imported.seconds.items())
        self.stdout.write(f"  import steps: {steps}; file {imported.file_bytes / 1024:,.0f} kB")
        self.stdout.write(
            "  import file: " + " · ".join(f"{n:,} {w}" for w, n in imported.planned.items())
        )
        self.stdout.write(
            "  import counts: " + " · ".join(f"{n:,} {w}" for w, n in imported.counts.items())
        )
        if imported.note:
            self.stdout.write(f"  import note: {imported.note}")


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _figures(pages, imported: bench.ImportRun | None, sizes: dict) -> dict:
    figures: dict = {
        page.key: {
            "label": page.label,
            "status": page.status,
            "note": page.note,
            "runs": len(page.timings_ms),
            "queries": page.queries,
            "bytes": round(page.size_kb * 1024),
            "median_ms": page.median if page.timings_ms else None,
            "p95_ms": page.p95 if page.timings_ms else None,
            "cpu_ms": page.cpu_median if page.timings_ms else None,
            "target_ms": page.target_ms,
        }
        for page in pages
    }
    if imported is not None:
        figures["import"] = {
            "rows": imported.rows,
            "status": imported.status,
            "queries": imported.queries,
            "seconds": imported.seconds,
            "total_ms": imported.total_ms if imported.seconds else None,
            "target_ms": bench.IMPORT_TARGET_MS,
            "file": imported.planned,
            "counts": imported.counts,
            "note": imported.note,
        }
    figures["sizes"] = sizes
    return figures
