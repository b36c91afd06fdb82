from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client, Contractor, LeadSource
from crm.core.models import Branch
from investments.models import Investment


class LeadStatus(models.Model):
    """A pipeline stage, ordered and configured by administrators."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0, db_index=True)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#6c757d",
        help_text=_("A hex colour such as #1f77b4, used for the status badge."),
    )
    is_won = models.BooleanField(_("won"), default=False, help_text=_("A lead here is won."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lead status")
        verbose_name_plural = _("lead statuses")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(colour__regex=r"^#[0-9A-Fa-f]{6}$"),
                name="leadstatus_colour_hex",
                violation_error_message=_("Give the colour as #RRGGBB."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Reason(models.Model):
    """A named reason picked from a list; deactivated, never deleted once leads use it
    (reports need it)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FailureReason(Reason):
    """Why a lead ended without a contract (powód fiaska)."""

    class Meta(Reason.Meta):
        verbose_name = _("failure reason")
        verbose_name_plural = _("failure reasons")


class DeletionReason(Reason):
    """Why an inquiry was deleted (spam, test, duplicate)."""

    class Meta(Reason.Meta):
        verbose_name = _("deletion reason")
        verbose_name_plural = _("deletion reasons")


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


class Lead(models.Model):
    """One sales case (sprawa): from the first inquiry to a contract or a failure."""

    name = models.CharField(_("name"), max_length=200)
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
    contact_first_name = models.CharField(_("first name"), max_length=100, blank=True)
    contact_last_name = models.CharField(_("last name"), max_length=100, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=32, blank=True)
    message = models.TextField(_("message"), blank=True)
    consent_processing = models.BooleanField(_("consent to data processing"), default=False)
    consent_marketing = models.BooleanField(_("marketing consent"), default=False)
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

    # The history is read per lead (its id) and by date; an index on each copied foreign
    # key would only slow down every write of a lead.
    history = HistoricalRecords(
        m2m_fields=[clients, contractors, investments, employees],
        no_db_index=[
            "status", "branch", "source", "deletion_reason", "failure_reason", "created_by",
            "updated_by", "created_at",
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
            models.Index(fields=["branch", "-created_at"], name="lead_branch_created_idx"),
            models.Index(fields=["status", "-created_at"], name="lead_status_created_idx"),
            # A manager's kanban column: its capped count and newest cards read this index
            # alone (the included columns answer "not failed, not deleted").
            models.Index(
                fields=["branch", "status", "-created_at"],
                include=["failed_at", "intake_outcome"],
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
    def handling_time(self) -> timedelta:
        """Time from the lead's creation to its close, or to now while it is open."""
        return (self.closed_at or timezone.now()) - self.created_at


class ActivityKind(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    SMS = "sms", _("SMS")
    OTHER = "other", _("Other")


class ActivityDirection(models.TextChoices):
    OUTBOUND = "out", _("Outbound")
    INBOUND = "in", _("Inbound")


class Activity(models.Model):
    """A conversation (rozmowa) on a lead: planned (the next step) or done.

    A planned activity has planned_at and no done_at; the lead's next step is its earliest
    planned one. The conversations issue builds the screens on this record.
    """

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="activities"
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ActivityKind, default=ActivityKind.PHONE
    )
    direction = models.CharField(
        _("direction"),
        max_length=3,
        choices=ActivityDirection,
        default=ActivityDirection.OUTBOUND,
    )
    planned_at = models.DateTimeField(_("planned for"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The next step of a lead: its earliest activity still planned.
            models.Index(
                fields=["lead", "planned_at"],
                condition=models.Q(done_at__isnull=True),
                name="activity_next_step_idx",
            ),
            models.Index(fields=["lead", "-done_at"], name="activity_last_done_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_at__isnull=False) | models.Q(done_at__isnull=False),
                name="activity_planned_or_done",
                violation_error_message=_("A conversation is either planned or done."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.lead}"

    @property
    def is_planned(self) -> bool:
        return self.done_at is None


class BoardEntry(models.Model):
    """A lead's place on one employee's board: one row per lead and employee, carrying a
    copy of the lead's status, failure and deletion.

    Why a copy: an advisor can hold tens of thousands of leads spread over the whole lead
    table, and counting them per status means visiting every one of them (a second per
    board on a million leads). From this table the same count reads one narrow index. It is
    written only by `leads.services.board.board_entries_refresh`, which every write of a
    lead's status, failure, deletion or employees calls."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="board_entries")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.ForeignKey(LeadStatus, on_delete=models.PROTECT, related_name="+")
    failed = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    # The lead's, which never changes: the newest cards come from the same index.
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "employee"], name="board_entry_unique"),
        ]
        indexes = [
            models.Index(
                fields=["employee", "status", "failed", "deleted", "-created_at"],
                name="board_entry_column_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} · {self.employee_id}"


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

    name = models.CharField(_("name"), max_length=150)
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


class LeadEventKind(models.TextChoices):
    CREATED = "created", _("Lead created")
    CLIENT_CREATED = "client_created", _("Client created from the lead")
    FIRST_PHONE = "first_phone", _("First phone call")
    FIRST_EMAIL = "first_email", _("First email")
    FIRST_MEETING = "first_meeting", _("First meeting")
    FIRST_SMS = "first_sms", _("First SMS")
    FIRST_OTHER = "first_other", _("First other conversation")


class LeadEvent(models.Model):
    """A moment in a lead's life the reports measure from (response times): each kind at
    most once per lead, with its time."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=LeadEventKind)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        constraints = [
            models.UniqueConstraint(fields=["lead", "kind"], name="lead_event_once_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=LeadEventKind.values), name="lead_event_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["kind", "at"], name="lead_event_kind_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.lead_id}"
