from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .fields import NameField
from .storage import private_storage


class Branch(models.Model):
    """A sales office (oddział); users, clients and leads belong to one."""

    name = NameField(_("name"), max_length=120, unique=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADVISOR = "advisor", _("Advisor")
    MANAGER = "manager", _("Manager")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    """An employee (pracownik). The profile (role and branch) lives on the user itself:
    every scoped query needs it, so it is one table and no extra join."""

    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.ADVISOR)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="pl",
        db_default="pl",
        help_text=_("The language of the emails Lejek sends to this employee."),
    )
    # Screen preferences such as the lead list's columns and page size, per list name.
    ui_preferences = models.JSONField(_("screen preferences"), default=dict, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER


class BackgroundJob(models.Model):
    """A long piece of work a user asked for (a large export), run by a Celery worker; the
    user watches its progress and, when it is done, downloads its file. Only the owner may
    see a job, and its id is a UUID so that ids cannot be guessed either."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", pgettext_lazy("background job status", "Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="background_jobs",
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.PositiveIntegerField(_("progress"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    # Private storage: MEDIA_ROOT/private/exports/..., served only by core:job_download.
    file = models.FileField(
        _("file"), storage=private_storage, upload_to="exports/%Y/%m/", blank=True
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="backgroundjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"

    def get_absolute_url(self) -> str:
        return reverse("core:job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        """How far the job is, 0-100, for the progress bar."""
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.progress * 100 // self.total)


class SavedView(models.Model):
    """A list's filters, search, sort, columns and layout under a name (widok zapisany).

    The owner's own, or shared: with the owner's branch (a manager's) or with everyone (an
    administrator's without a branch). The filters are kept as the list's query string and
    checked again by the list's filter form each time the view opens."""

    class Layout(models.TextChoices):
        TABLE = "table", _("Table")
        GRID = "grid", _("Grid")
        KANBAN = "kanban", _("Kanban")

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_views"
    )
    list_name = models.CharField(_("list"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    layout = models.CharField(_("view"), max_length=10, choices=Layout, default=Layout.TABLE)
    shared = models.BooleanField(_("shared"), default=False)
    # Whom a shared view is for: the owner's branch when it was shared (none: everyone).
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.CASCADE, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "owner", "list_name", models.functions.Lower("name"), name="saved_view_name_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(layout__in=["table", "grid", "kanban"]),
                name="saved_view_layout_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(shared=True) | models.Q(branch__isnull=True),
                name="saved_view_branch_only_when_shared",
            ),
        ]
        indexes = [models.Index(fields=["list_name", "shared", "branch"])]

    def __str__(self) -> str:
        return self.name
