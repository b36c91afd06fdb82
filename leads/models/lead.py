"""The lead (sprawa) itself."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client, Contractor, LeadSource
from crm.core.fields import NameField
from crm.core.models import Branch
from investments.models import Investment

from .pipeline import DeletionReason, FailureReason, LeadStatus


class IntakeOutcome(models.TextChoices):
    NEW = "new", _("New")
    LINKED = "linked", _("Linked")
    CONVERTED = "converted", _("Converted")
    DELETED = "deleted", _("Deleted")


class LeadQuerySet(models.QuerySet):
    def open(self):
        """Leads still being worked: not failed, not won, not deleted."""
        return self.filter(failed_at__isnull=True, status__is_won=False).exclude(
            intake_outcome=IntakeOutcome.DELETED
        )

    def not_deleted(self):
        return self.exclude(intake_outcome=IntakeOutcome.DELETED)

    def not_archived(self):
        return self.filter(archived_at__isnull=True)


class Lead(models.Model):
    """One sales case (sprawa): from the first inquiry to a contract or a failure."""

    name = NameField(_("name"), max_length=200)
    # No single-column indexes: the (status, created_at) and (branch, created_at) indexes
    # below serve these lookups, and every index slows each insert.
    status = models.ForeignKey(
        LeadStatus,
        verbose_name=_("status"),
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
    )
    source = models.ForeignKey(
        LeadSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="leads"
    )
    clients = models.ManyToManyField(
        Client, verbose_name=_("clients"), blank=True, related_name="leads"
    )
    contractors = models.ManyToManyField(
        Contractor, verbose_name=_("contractors"), blank=True, related_name="leads"
    )
    investments = models.ManyToManyField(
        Investment, verbose_name=_("investments"), blank=True, related_name="leads"
    )
    employees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employees"),
        blank=True,
        related_name="leads",
        help_text=_("Every employee listed here can see and work this lead."),
    )

    # The contact snapshot of an inquiry, as it arrived.
    contact_first_name = NameField(_("first name"), max_length=100, blank=True)
    contact_last_name = NameField(_("last name"), max_length=100, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=32, blank=True)
    message = models.TextField(_("message"), blank=True)
    utm_source = models.CharField("utm_source", max_length=200, blank=True)
    utm_medium = models.CharField("utm_medium", max_length=200, blank=True)
    utm_campaign = models.CharField("utm_campaign", max_length=200, blank=True)
    utm_content = models.CharField("utm_content", max_length=200, blank=True)
    utm_term = models.CharField("utm_term", max_length=200, blank=True)
    # Database defaults too: rows loaded with COPY (the benchmark's) need not name them.
    investment_text = models.CharField(
        _("investment as given"), max_length=150, blank=True, default="", db_default=""
    )
    investment_unknown = models.BooleanField(
        _("unknown investment"),
        default=False,
        db_default=False,
        help_text=_("The inquiry named an investment Lejek does not know (see the text given)."),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        blank=True,
        help_text=_(
            "The sender's id of the inquiry; a repeated delivery never makes a second lead."
        ),
    )
    raw_payload = models.JSONField(_("raw payload"), default=dict, blank=True)
    import_batch = models.ForeignKey(
        "leads.ImportBatch",
        verbose_name=_("import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        help_text=_("The import (file) this lead came from, if any."),
    )
    submitted_at = models.DateTimeField(
        _("submitted"),
        null=True,
        blank=True,
        help_text=_("When the website or portal says the inquiry was submitted."),
    )

    intake_outcome = models.CharField(
        _("intake outcome"),
        max_length=10,
        choices=IntakeOutcome,
        default=IntakeOutcome.NEW,
    )
    deletion_reason = models.ForeignKey(
        DeletionReason,
        verbose_name=_("deletion reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
    )

    failed_at = models.DateTimeField(_("failure date"), null=True, blank=True)
    failure_reason = models.ForeignKey(
        FailureReason,
        verbose_name=_("failure reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
    )
    failure_comment = models.TextField(_("failure comment"), blank=True)
    closed_at = models.DateTimeField(
        _("closed"), null=True, blank=True, help_text=_("When the lead was won or failed.")
    )
    is_repeat = models.BooleanField(_("repeat lead"), default=False)

    # The report figures (see leads/services/figures.py): copies of what the reports count
    # and measure, kept by the services that change it, so that a report over a million
    # leads reads this table alone. Not edited by hand nor kept in the history.
    first_contact_at = models.DateTimeField(
        _("first conversation"), null=True, blank=True, editable=False
    )
    first_phone_at = models.DateTimeField(_("first call"), null=True, blank=True, editable=False)
    first_email_at = models.DateTimeField(_("first email"), null=True, blank=True, editable=False)
    first_meeting_at = models.DateTimeField(
        _("first meeting"), null=True, blank=True, editable=False
    )
    client_created_at = models.DateTimeField(
        _("client created"), null=True, blank=True, editable=False
    )
    furthest_status_order = models.PositiveSmallIntegerField(
        _("furthest status order"), default=0, db_default=0, editable=False
    )
    has_offer = models.BooleanField(
        _("has an offer"), default=False, db_default=False, editable=False
    )
    has_reservation = models.BooleanField(
        _("has a reservation"), default=False, db_default=False, editable=False
    )
    of_returning_customer = models.BooleanField(
        _("of a returning customer"),
        default=False,
        db_default=False,
        editable=False,
        help_text=_("A client of the lead has another, won lead."),
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set by the anonymisation of the inquiry's contact or of its client (RODO art. 17).
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # A closed lead put out of the everyday lists, kanban and My day (still counted by the
    # reports); set and cleared by leads/services/archive.py only.
    archived_at = models.DateTimeField(_("archive date"), null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # The history is read per lead (its id) and by date; an index on each copied foreign
    # key would only slow down every write of a lead.
    history = HistoricalRecords(
        m2m_fields=[clients, contractors, investments, employees],
        excluded_fields=[
            "first_contact_at", "first_phone_at", "first_email_at", "first_meeting_at",
            "client_created_at", "furthest_status_order", "has_offer", "has_reservation",
            "of_returning_customer", "anonymised_at",
        ],
        no_db_index=[
            "status", "branch", "source", "deletion_reason", "failure_reason", "created_by",
            "updated_by", "created_at", "import_batch", "archived_by",
        ],
    )  # fmt: skip
    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("unlink_lead", _("Can unlink a lead from its client")),
            ("restore_lead", _("Can restore a deleted inquiry")),
            ("export_lead", _("Can export leads to Excel")),
            ("import_lead", _("Can import leads")),
            ("reassign_lead", _("Can reassign leads to other employees")),
        ]
        indexes = [
            # A branch's newest leads (the list) and the reports: what they count and
            # measure is included, so PostgreSQL answers a report over a million leads
            # from this index alone (an index-only scan of ~120 MB instead of the table).
            models.Index(
                fields=["branch", "-created_at"],
                include=[
                    "id",
                    "source",
                    "status",
                    "intake_outcome",
                    "failed_at",
                    "failure_reason",
                    "is_repeat",
                    "furthest_status_order",
                    "has_offer",
                    "has_reservation",
                    "of_returning_customer",
                    "first_contact_at",
                    "first_phone_at",
                    "first_email_at",
                    "first_meeting_at",
                    "client_created_at",
                    "archived_at",
                ],  # fmt: skip
                name="lead_report_idx",
            ),
            models.Index(fields=["status", "-created_at"], name="lead_status_created_idx"),
            # A manager's kanban column: its capped count and newest cards read this index
            # alone (the included columns answer "not failed, not deleted, not archived").
            models.Index(
                fields=["branch", "status", "-created_at"],
                include=["failed_at", "intake_outcome", "archived_at"],
                name="lead_branch_status_idx",
            ),
            models.Index(fields=["-updated_at"], name="lead_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="lead_unique_external_id_per_source",
                violation_error_message=_(
                    "An inquiry with this external id from this source has already been received."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(failed_at__isnull=True, failure_reason__isnull=True)
                    | models.Q(failed_at__isnull=False, failure_reason__isnull=False)
                ),
                name="lead_failure_has_reason",
                violation_error_message=_("A failed lead needs a failure reason."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(intake_outcome=IntakeOutcome.DELETED, deletion_reason__isnull=False)
                    | (
                        ~models.Q(intake_outcome=IntakeOutcome.DELETED)
                        & models.Q(deletion_reason__isnull=True)
                    )
                ),
                name="lead_deleted_has_reason",
                violation_error_message=_("A deleted inquiry needs a deletion reason."),
            ),
            models.CheckConstraint(
                condition=models.Q(intake_outcome__in=IntakeOutcome.values),
                name="lead_intake_outcome_valid",
            ),
            # Who archived is known only of an archived lead (the user may be gone since).
            models.CheckConstraint(
                condition=models.Q(archived_by__isnull=True) | models.Q(archived_at__isnull=False),
                name="lead_archived_by_only_when_archived",
                violation_error_message=_("Only an archived lead names who archived it."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def is_failed(self) -> bool:
        return self.failed_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.intake_outcome == IntakeOutcome.DELETED

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def handling_time(self) -> timedelta:
        """Time from the lead's creation to its close, or to now while it is open."""
        return (self.closed_at or timezone.now()) - self.created_at
