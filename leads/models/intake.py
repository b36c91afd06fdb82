"""Intake: received deliveries and the assignment rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import LeadSource
from crm.core.fields import NameField
from investments.models import Investment

from .lead import Lead


class IntakeReceipt(models.Model):
    """A received inquiry that carried the sender's id: the (source, external id) key that
    turns a repeated delivery into the first delivery's answer.

    Why not the lead's own unique key alone: under the "add to the newest open lead"
    scenario an inquiry makes no lead of its own, yet a retry must still be recognised.
    The row is inserted last in the intake's transaction: a concurrent retry waits on the
    unique index until that commits, fails, rolls back its own work and answers with the
    lead the first delivery made."""

    source = models.ForeignKey(LeadSource, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=100)
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, null=True, related_name="intake_receipts"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="intake_receipt_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.external_id}"


class AssignmentStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    FEWEST_OPEN = "fewest_open", _("Fewest open leads")


class AssignmentRule(models.Model):
    """Who gets a new inquiry. Rules are tried by priority; the first whose conditions
    match (an empty condition matches anything) picks an advisor from its pool, or from
    its fallback pool when nobody in the pool is active."""

    name = NameField(_("name"), max_length=150)
    active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveIntegerField(
        _("priority"), default=100, help_text=_("Rules with a lower number are tried first.")
    )
    sources = models.ManyToManyField(
        LeadSource,
        verbose_name=_("sources"),
        blank=True,
        related_name="assignment_rules",
        help_text=_("Leave empty for any source."),
    )
    investments = models.ManyToManyField(
        Investment,
        verbose_name=_("investments"),
        blank=True,
        related_name="assignment_rules",
        help_text=_("Leave empty for any investment (or none)."),
    )
    pool = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("advisors"),
        blank=True,
        related_name="assignment_rules",
    )
    fallback_pool = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fallback advisors"),
        blank=True,
        related_name="fallback_assignment_rules",
        help_text=_("Used when no advisor of the pool is active."),
    )
    strategy = models.CharField(
        _("strategy"),
        max_length=20,
        choices=AssignmentStrategy,
        default=AssignmentStrategy.ROUND_ROBIN,
    )
    # Round robin's turn: incremented atomically per assignment, modulo the pool's size.
    turn = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(strategy__in=AssignmentStrategy.values),
                name="assignment_rule_strategy_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name
