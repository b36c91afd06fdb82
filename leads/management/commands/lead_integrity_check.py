"""`manage.py lead_integrity_check`: list the leads whose state disagrees with their
contracts and units (leads/selectors/integrity.py) and exit non-zero when there is any.
Run it after an upgrade or a load of data past the services; CI runs it over the demo and
the benchmark's data."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from leads.selectors.integrity import lead_disagreements


class Command(BaseCommand):
    help = (
        "Lists leads whose state disagrees with their contracts and units (won without an "
        "active contract, an active contract on a lead not won, a unit held for a failed or "
        "deleted lead, a unit whose status is not its hold's); exits 1 when it finds any."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--show",
            type=int,
            default=200,
            help="Print at most this many disagreements (all are counted).",
        )

    def handle(self, *args, show: int, **options) -> None:
        found = 0
        for disagreement in lead_disagreements():
            found += 1
            if found <= show:
                where = ""
                if disagreement.lead_id is not None:
                    path = reverse("leads:detail", args=[disagreement.lead_id])
                    where = f"  {settings.LEJEK_BASE_URL}{path}"
                self.stdout.write(f"{disagreement.kind}: {disagreement.message}{where}")
        if found:
            if found > show:
                self.stdout.write(f"… and {found - show} more")
            raise CommandError(
                f"{found} disagreement(s) between leads, contracts and units. A won lead "
                "without a contract: add its contract, or a manager moves it back; an active "
                "contract on an open lead: cancel it or add the lead's won status through it."
            )
        self.stdout.write(self.style.SUCCESS("Leads, contracts and units agree."))
