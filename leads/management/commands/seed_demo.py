"""``manage.py seed_demo``: demo data for trying Lejek out (see leads/demo/seeder.py)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.core.models import User
from leads.demo import data
from leads.demo.seeder import seed_demo_data


class Command(BaseCommand):
    help = (
        "Fill an empty database with demo data: the branch 'Poznań Centrum' with an "
        "administrator, a manager and three advisors, 5 investments with 200 units, 200 clients, "
        "10 contractors and 500 leads over the last 18 months, worked as advisors work them "
        "(conversations and next steps, surveys, offers, reservations, contracts, notes), "
        "always the same (fixed random seed). Idempotent by a marker: when the demo "
        "administrator already exists in the demo branch, nothing is created and the demo "
        "logins are printed again. Refuses to run with DEBUG off unless --force is given: "
        "the demo passwords are public."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (a staging server). Never on production data.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like production, and the demo users have published "
                "passwords. Run with DEBUG=1, or pass --force on a database you can throw away."
            )
        started = time.perf_counter()
        if User.objects.filter(
            username=data.DEMO_LOGINS[0].username, branch__name=data.BRANCH_NAME
        ).exists():
            self.stdout.write(
                f"Demo data already exist (user {data.DEMO_LOGINS[0].username!r} in branch "
                f"{data.BRANCH_NAME!r}); nothing was created."
            )
        else:
            try:
                counts = seed_demo_data()
            except ValidationError as exc:
                raise CommandError(
                    f"Cannot seed the demo data, nothing was saved: {exc}. seed_demo expects a "
                    "database without the demo users and investments."
                ) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    "Created demo data: " + ", ".join(f"{n} {what}" for what, n in counts.items())
                )
            )
        self._print_logins()
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f} s.")

    def _print_logins(self) -> None:
        rows = [("username", "password", "role")]
        rows += [(login.username, login.password, login.role) for login in data.DEMO_LOGINS]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        self.stdout.write(f"\nDemo logins (branch {data.BRANCH_NAME}):")
        for index, row in enumerate(rows):
            cells = (value.ljust(width) for value, width in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
