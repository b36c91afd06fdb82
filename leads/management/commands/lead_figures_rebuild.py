"""Recompute every lead's report figures from their sources (leads/services/figures.py):
after leads were loaded past the services, or after the pipeline's statuses were
reordered (the furthest status reached is kept as a status order)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from leads.services.figures import lead_figures_rebuild


class Command(BaseCommand):
    help = "Recompute every lead's report figures (first contacts, furthest status, …)."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        count = lead_figures_rebuild()
        self.stdout.write(
            f"{count:,} leads' figures recomputed in {time.perf_counter() - started:.1f} s."
        )
