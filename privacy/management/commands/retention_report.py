"""The retention policy's dry run: who the monthly job would anonymise and why, and who it
keeps (an active lead, a contract, a legal hold), and how many raw log entries without a
lead it would delete. Ids only, no personal data."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from privacy.selectors.intake import RAW_UNLINKED_DAYS
from privacy.selectors.retention import (
    raw_messages_expired,
    retention_cutoff,
    retention_entries,
)


class Command(BaseCommand):
    help = "List who the retention policy would anonymise now, and why (nothing is changed)."

    def handle(self, *args, **options) -> None:
        entries = retention_entries()
        if retention_cutoff() is None:
            self.stdout.write(_("The retention policy is off (0 months in the settings)."))
        for entry in entries:
            mark = "+" if entry.due else "-"
            self.stdout.write(f"{mark} {entry.kind} {entry.pk}: {entry.reason_text}")
        due = Counter(entry.kind for entry in entries if entry.due)
        kept = sum(1 for entry in entries if not entry.due)
        self.stdout.write(
            _("To anonymise: %(clients)d clients, %(inquiries)d inquiries; kept: %(kept)d.")
            % {"clients": due["client"], "inquiries": due["inquiry"], "kept": kept}
        )
        self.stdout.write(
            _("To delete: %(count)d raw log entries without a lead, older than %(days)d days.")
            % {"count": raw_messages_expired().count(), "days": RAW_UNLINKED_DAYS}
        )
