"""``manage.py bench``: median and p95 of the lead workspace pages and the export time and
peak memory, against the current database (filled by generate_bench_data)."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from crm.core.models import User
from leads.bench import measure

EXPORT_KEY = "export"


class Command(BaseCommand):
    help = (
        "Time the lead list (manager and advisor, page sizes, status + employee filter, "
        "search by phone), the kanban, a lead's detail page and history tab in-process, and "
        "the Excel export of 10 000 rows in a child process (time and peak RSS). Prints the "
        "data sizes, then a table of HTTP status, SQL queries, response size, median and p95. "
        "Exits non-zero when a page does not answer 200 (unless --allow-missing). PostgreSQL "
        "only; fill the database with generate_bench_data first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--runs", type=int, default=30, help="Timed rounds (default 30).")
        parser.add_argument(
            "--sizes",
            default="100",
            help="Extra page sizes of the manager's list, comma-separated (default 100; "
            "page 1 at the default size is always timed). Empty for none.",
        )
        parser.add_argument("--export-rows", type=int, default=10_000)
        parser.add_argument(
            "--export-runs", type=int, default=5, help="Export runs, one child each (default 5)."
        )
        parser.add_argument("--no-export", action="store_true", help="Skip the export.")
        parser.add_argument(
            "--allow-missing",
            action="store_true",
            help="Report a page that does not answer 200 instead of failing.",
        )
        parser.add_argument("--save", help="Write the figures as JSON to this file.")
        parser.add_argument(
            "--compare",
            help="A JSON file written by --save (e.g. the 10 000-lead run): print each "
            "median as a multiple of it.",
        )
        # The child process of one export run.
        parser.add_argument("--export-only", action="store_true", help="(internal)")
        parser.add_argument("--export-user", type=int, help="(internal)")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL.")
        if options["export_only"]:
            result = measure.export_once(
                user_id=options["export_user"], rows=options["export_rows"]
            )
            self.stdout.write(json.dumps(result))
            return
        sizes = [int(size) for size in options["sizes"].split(",") if size.strip()]
        baseline = json.loads(Path(options["compare"]).read_text()) if options["compare"] else {}

        subjects = measure.find_subjects()
        self._print_header(subjects, options["runs"])
        pages = measure.build_pages(subjects, sizes=sizes)
        measure.time_pages(pages, runs=options["runs"], progress=self.stderr.write)
        export = None
        if not options["no_export"]:
            exporter = measure.export_user(subjects, options["export_rows"])
            self.stderr.write(f"  export: {options['export_runs']} child processes…")
            export = measure.measure_export(
                user_id=exporter.pk,
                rows=options["export_rows"],
                runs=options["export_runs"],
            )
        self._print_pages(pages, baseline)
        if export:
            self._print_export(export, options["export_rows"], exporter, baseline.get(EXPORT_KEY))
        self.stdout.write(
            f"load average at the end: {_load()}; sum(range(10**6)) in "
            f"{measure.cpu_reference_ms():.0f} ms"
        )
        if options["save"]:
            Path(options["save"]).write_text(json.dumps(_figures(pages, export), indent=2))

        failing = [page for page in pages if page.status != 200]
        if failing and not options["allow_missing"]:
            names = ", ".join(f"{page.label} ({page.status})" for page in failing)
            raise CommandError(f"Pages that did not answer 200: {names}")

    def _print_header(self, subjects: measure.Subjects, runs: int) -> None:
        s = subjects
        debug = "DEBUG on (slower: queries are logged)" if settings.DEBUG else "DEBUG off"
        self.stdout.write(
            f"Lejek bench · {measure.database_description()} · {os.cpu_count()} CPUs, "
            f"load {_load()}, sum(range(10**6)) in {measure.cpu_reference_ms():.0f} ms · {debug}"
        )
        sizes = measure.data_sizes()
        self.stdout.write("data: " + " · ".join(f"{n:,} {what}" for what, n in sizes.items()))
        self.stdout.write(
            f"biggest branch: {s.branch_name}, {s.branch_leads:,} leads; manager "
            f"{s.manager.username}; advisor {s.advisor.username} on {s.advisor_leads:,} leads; "
            f"detail/history of lead {s.lead_with_history} ({s.history_records} records)"
        )
        self.stdout.write(
            f"{runs} timed rounds after a warm-up, in-process test client; times in ms "
            "(cpu: this process's CPU time, PostgreSQL's not included)"
        )

    def _print_pages(self, pages: list[measure.Page], baseline: dict) -> None:
        header = (
            f"{'page':<34} {'user':<20} {'HTTP':>4} {'queries':>7} {'KB':>6} "
            f"{'median':>8} {'p95':>8} {'cpu':>6}  {'target':<11}"
        )
        if baseline:
            header += " × base"
        self.stdout.write("")
        self.stdout.write(header)
        for page in pages:
            line = (
                f"{page.label:<34} {page.user.username:<20} {page.status:>4} "
                f"{page.queries:>7} {page.size_kb:>6.0f} "
            )
            if not page.timings_ms:
                self.stdout.write(line + f"{'—':>8} {'—':>8} {'—':>6}  skipped")
                continue
            line += (
                f"{page.median:>8.1f} {page.p95:>8.1f} {page.cpu_median:>6.0f}  "
                f"{_verdict(page):<11}"
            )
            base = baseline.get(page.key)
            if base:
                line += f" {page.median / base['median_ms']:.2f}×"
            self.stdout.write(line)

    def _print_export(self, runs: list[dict], rows: int, user: User, base: dict | None) -> None:
        seconds = sorted(run["seconds"] for run in runs)
        median = statistics.median(seconds)
        cpu = statistics.median(run["cpu_seconds"] for run in runs)
        peak_mb = max(run["peak_rss_kb"] for run in runs) / 1024
        before_mb = statistics.median(run["baseline_rss_kb"] for run in runs) / 1024
        ok = median < measure.EXPORT_TARGET_S and peak_mb < measure.EXPORT_TARGET_RSS_MB
        self.stdout.write("")
        line = (
            f"export {runs[0]['rows']:,} of {rows:,} rows as {user.username} "
            f"({len(runs)} child runs, "
            f"{runs[0]['bytes'] / 1024:.0f} KB): median {median:.2f} s (cpu {cpu:.2f} s), "
            f"max {seconds[-1]:.2f} s; "
            f"peak RSS {peak_mb:.0f} MB (process before export {before_mb:.0f} MB) · target "
            f"<{measure.EXPORT_TARGET_S} s, <{measure.EXPORT_TARGET_RSS_MB} MB: "
            f"{'ok' if ok else 'MISSED'}"
        )
        if base:
            line += f" · {median / base['median_s']:.2f}× base"
        self.stdout.write(line)


def _verdict(page: measure.Page) -> str:
    if page.target_ms is None:
        return ""
    return f"<{page.target_ms:.0f} {'ok' if page.median < page.target_ms else 'MISSED'}"


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _figures(pages: list[measure.Page], export: list[dict] | None) -> dict:
    figures: dict = {
        page.key: {
            "label": page.label,
            "status": page.status,
            "queries": page.queries,
            "median_ms": page.median if page.timings_ms else None,
            "p95_ms": page.p95 if page.timings_ms else None,
            "cpu_ms": page.cpu_median if page.timings_ms else None,
        }
        for page in pages
    }
    if export:
        figures[EXPORT_KEY] = {
            "median_s": statistics.median(run["seconds"] for run in export),
            "peak_rss_kb": max(run["peak_rss_kb"] for run in export),
        }
    figures["sizes"] = measure.data_sizes()
    return figures
