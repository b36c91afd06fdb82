"""``manage.py generate_bench_data``: a large data set for ``manage.py bench`` (PostgreSQL)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from leads.bench.data import BENCH_PASSWORD, BenchDataGenerator
from leads.bench.database import database_name, ensure_bench_database, reset_bench_data


class Command(BaseCommand):
    help = (
        "Fill a PostgreSQL database with benchmark data through COPY: branches, advisors, "
        f"managers and an administrator (password {BENCH_PASSWORD}), investments, clients, "
        "leads with their clients/employees/investments, a signed contract for every won lead "
        "(its units sold and held, new units added to the investments as needed), "
        "conversations and a sample of history, over three years. Adds to what is there; "
        "--reset first empties the lead and client tables, contracts included, and frees the "
        "units (only on a database whose name contains 'bench'). Refuses SQLite: the "
        "benchmark is about PostgreSQL, and COPY is what loads a million leads in minutes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--leads", type=int, default=10_000, help="Leads (default 10000).")
        parser.add_argument("--clients", type=int, default=3_000, help="Clients (default 3000).")
        parser.add_argument("--branches", type=int, default=5, help="Branches (default 5).")
        parser.add_argument(
            "--advisors-per-branch", type=int, default=10, help="Advisors per branch (default 10)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the lead and client tables first (users and branches stay).",
        )

    def handle(self, *args, **options) -> None:
        ensure_bench_database(reset=options["reset"])
        started = time.perf_counter()
        self.stdout.write(
            f"Loading {options['leads']:,} leads and {options['clients']:,} clients into "
            f"{database_name()!r}…"
        )
        if options["reset"]:
            reset_bench_data()
            self.stdout.write("  reset: lead and client tables emptied")
        generator = BenchDataGenerator(
            leads=options["leads"],
            clients=options["clients"],
            branches=options["branches"],
            advisors_per_branch=options["advisors_per_branch"],
            seed=options["seed"],
            out=self.stdout.write,
        )
        steps = generator.run()
        elapsed = time.perf_counter() - started
        rows = sum(step.rows for step in steps)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {elapsed:.1f} s: {rows:,} rows ({rows / elapsed:,.0f} rows/s). "
                f"Users: bench-<n>-kierownik, bench-<n>-doradca-<nn>, bench-administrator; "
                f"password {BENCH_PASSWORD}."
            )
        )
