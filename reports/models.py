"""The reports' own copies: leads counted per branch and month ("tallies"), so that a report
over years of leads adds up a few thousand counts instead of counting a million rows.

They are never the truth, only a faster way to the same numbers: a month of a branch is
read from its tally only while no lead of it changed since it was counted (its slice is
"tallied" and has no change mark); otherwise the report counts that month's leads row by
row. PostgreSQL triggers (migration 0002) mark every change of a lead or of its
employees, and `reports.tallies.report_tallies_fold` (a periodic task) counts the marked
slices again. See `reports/tallies.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import LeadSource
from crm.core.models import Branch
from leads.models import FailureReason, LeadStatus


def _key(model, **options) -> models.ForeignKey:
    # Tallies are looked up by (branch, month) only: no index per key, no reverse accessor.
    return models.ForeignKey(
        model, on_delete=models.CASCADE, related_name="+", db_index=False, **options
    )


class TalliedSlice(models.Model):
    """A branch's month whose leads were counted into the tallies (at `counted_at`)."""

    branch = _key(Branch)
    month = models.DateField(_("month"), help_text=_("Its first day, local time."))
    counted_at = models.DateTimeField(_("counted at"), auto_now=True)

    class Meta:
        verbose_name = _("tallied month")
        verbose_name_plural = _("tallied months")
        constraints = [
            models.UniqueConstraint(fields=["branch", "month"], name="tallied_slice_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.month:%m.%Y}"


class LeadTally(models.Model):
    """How many leads of a branch's month share everything the count reports group or
    filter by (the same names as the lead's fields, so one condition serves both)."""

    branch = _key(Branch)
    month = models.DateField()
    source = _key(LeadSource)
    status = _key(LeadStatus)
    intake_outcome = models.CharField(max_length=20)
    failure_reason = _key(FailureReason, null=True)
    furthest_status_order = models.IntegerField()
    has_offer = models.BooleanField()
    has_reservation = models.BooleanField()
    is_repeat = models.BooleanField()
    of_returning_customer = models.BooleanField()
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["branch", "month"], name="lead_tally_slice_idx")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.month:%m.%Y}: {self.count}"


class AdvisorTally(models.Model):
    """How many leads (not deleted inquiries) of a branch's month an employee is on, per
    source, status and failure reason: the funnel's advisor table."""

    branch = _key(Branch)
    month = models.DateField()
    user = _key(settings.AUTH_USER_MODEL)
    source = _key(LeadSource)
    status = _key(LeadStatus)
    failure_reason = _key(FailureReason, null=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["branch", "month"], name="advisor_tally_slice_idx")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.month:%m.%Y} {self.user_id}: {self.count}"


class TallyChange(models.Model):
    """A change mark, written by the database's triggers: a lead of this branch created at
    this moment (so: of this month) changed, or its employees did, after its month was
    counted. Nothing else writes here; the fold deletes the marks of the slices it counts."""

    id = models.BigAutoField(primary_key=True)
    branch_id = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["branch_id", "created_at"], name="tally_change_idx")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.created_at:%Y-%m-%d %H:%M}"
