"""``manage.py bench_privacy``: issue 17's speed figures (the lead list filtered by a
consent at a million leads; anonymising a person with 50 leads) against a database filled
by generate_bench_data."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from leads.bench import measure
from privacy import bench


class Command(BaseCommand):
    help = (
        "Time, in-process, the lead list filtered by a consent ('may be called for "
        "marketing', 'may be emailed'; page 1 with its count, as the biggest branch's "
        "manager and its busiest advisor) beside the unfiltered list, against the list's "
        "target; and the anonymisation of a person with 50 leads (each with a conversation, "
        "a note and an offer), made anew and rolled back for each run, against 2 s. Prints "
        "the data sizes first. PostgreSQL only; fill the database with generate_bench_data."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--runs", type=int, default=20, help="List rounds (default 20).")
        parser.add_argument(
            "--anonymise-runs", type=int, default=5, help="Anonymisations (default 5)."
        )
        parser.add_argument(
            "--person-leads", type=int, default=bench.PERSON_LEADS, help="Leads of the person."
        )

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL.")
        subjects = measure.find_subjects()
        write = self.stdout.write
        debug = "DEBUG on (slower: queries are logged)" if settings.DEBUG else "DEBUG off"
        write(
            f"Lejek privacy bench · {measure.database_description()} · {os.cpu_count()} CPUs, "
            f"sum(range(10**6)) in {measure.cpu_reference_ms():.0f} ms · {debug}"
        )
        sizes = bench.consent_data_sizes()
        write("data: " + " · ".join(f"{n:,} {what}" for what, n in sizes.items()))
        write(
            f"biggest branch: {subjects.branch_name}, {subjects.branch_leads:,} leads; manager "
            f"{subjects.manager.username}; advisor {subjects.advisor.username} on "
            f"{subjects.advisor_leads:,} leads"
        )
        pages = bench.consent_pages(subjects)
        measure.time_pages(pages, runs=options["runs"], progress=self.stderr.write)
        write("")
        write(
            f"{'page':<34} {'user':<20} {'HTTP':>4} {'queries':>7} {'median':>8} {'p95':>8} "
            f"{'cpu':>6}  target"
        )
        for page in pages:
            line = f"{page.label:<34} {page.user.username:<20} {page.status:>4} {page.queries:>7} "
            if not page.timings_ms:
                write(line + f"{'—':>8} {'—':>8} {'—':>6}  skipped")
                continue
            verdict = "PASS" if page.median <= page.target_ms else "FAIL"
            write(
                line + f"{page.median:>8.1f} {page.p95:>8.1f} {page.cpu_median:>6.0f}  "
                f"<{page.target_ms:.0f} {verdict}"
            )
        count, ms = bench.consent_filter_count_ms(subjects.manager)
        write(
            f"  the filter's exact count (manager; the list counts at most 1 001): {count:,} "
            f"leads in {ms:.0f} ms"
        )

        advisor = subjects.advisor
        self.stderr.write(f"  anonymisation: {options['anonymise_runs']} runs…")
        result = bench.time_anonymisation(
            advisor=advisor, runs=options["anonymise_runs"], leads=options["person_leads"]
        )
        target_ms = bench.ANONYMISE_TARGET_S * 1000
        verdict = "PASS" if result.median <= target_ms else "FAIL"
        write("")
        write(
            f"anonymise a person with {result.leads} leads: median {result.median:.0f} ms, "
            f"p95 {result.p95:.0f} ms, cpu {result.cpu_median:.0f} ms, {result.queries} "
            f"queries, {len(result.timings_ms)} runs  <{target_ms:.0f} {verdict}"
        )
        changed = ", ".join(f"{n} {what}" for what, n in result.counts.items() if n)
        write(f"  changed: {changed}")
        failing = [page for page in pages if page.status != 200]
        if failing:
            names = ", ".join(f"{page.label} ({page.status})" for page in failing)
            raise CommandError(f"Pages that did not answer 200: {names}")
