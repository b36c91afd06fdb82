"""``manage.py report_tallies [--rebuild]``: count the reports' changed months now."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from reports.tallies import report_tallies_fold, report_tallies_rebuild, tallies_supported


class Command(BaseCommand):
    help = (
        "Count the months (per branch) whose leads changed into the reports' tallies, as the "
        "periodic task does every minute. --rebuild forgets all tallies and counts every "
        "month: after loading leads with the database's triggers off, or after changing "
        "TIME_ZONE. PostgreSQL only (elsewhere the reports count every lead)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Count every month again.")

    def handle(self, *args, **options) -> None:
        if not tallies_supported():
            self.stdout.write("Not on PostgreSQL: the reports count every lead; nothing to do.")
            return
        started = time.perf_counter()
        count = report_tallies_rebuild() if options["rebuild"] else report_tallies_fold()
        self.stdout.write(
            f"{count} branch months counted in {time.perf_counter() - started:.1f} s."
        )
