"""Imports of leads from an Excel or CSV file: one batch per uploaded file, and the
problems found in its rows."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import LeadSource
from crm.core.models import BackgroundJob, Branch
from crm.core.storage import private_storage


def import_upload_to(instance: ImportBatch, filename: str) -> str:
    """A random stored name: nothing guessable, no user text in paths (the name the user
    gave is kept in `file_name`)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    suffix = f".{extension}" if extension in ("xlsx", "csv") else ""
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ImportKind(models.TextChoices):
    LEADS = "leads", _("Leads")
    CLIENTS = "clients", _("Clients")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", pgettext_lazy("import status", "Failed")


class ImportBatch(models.Model):
    """One uploaded file imported (or being imported) by a manager: the file, the source
    its leads get, the column mapping, the dry run's counts and the import's progress.

    `rows_done` is the last row number whose chunk was committed: a worker killed in the
    middle of an import resumes after it (see leads/imports/run.py)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file = models.FileField(_("file"), storage=private_storage, upload_to=import_upload_to)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, db_index=True)
    source = models.ForeignKey(
        LeadSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind, default=ImportKind.LEADS)
    encoding = models.CharField(
        _("encoding"),
        max_length=20,
        blank=True,
        help_text=_("A CSV file's character encoding, recognised or chosen; empty for Excel."),
    )
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus, default=ImportStatus.UPLOADED
    )
    all_or_nothing = models.BooleanField(
        _("all or nothing"),
        default=False,
        help_text=_("Import nothing if any row has an error."),
    )
    job = models.ForeignKey(
        BackgroundJob,
        verbose_name=_("background job"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_new = models.PositiveIntegerField(_("new"), default=0)
    rows_linked = models.PositiveIntegerField(_("linked to a client"), default=0)
    rows_duplicate_file = models.PositiveIntegerField(_("duplicates in the file"), default=0)
    rows_duplicate_db = models.PositiveIntegerField(_("duplicates in the database"), default=0)
    rows_error = models.PositiveIntegerField(_("errors"), default=0)
    rows_imported = models.PositiveIntegerField(_("imported"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "-created_at"], name="importbatch_branch_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values),
                name="importbatch_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ImportKind.values), name="importbatch_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(rows_imported__lte=models.F("rows_total")),
                name="importbatch_imported_within_rows",
            ),
            models.CheckConstraint(
                condition=models.Q(file_sha256__regex=r"^[0-9a-f]{64}$"),
                name="importbatch_sha256_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("leads:import_detail", args=[self.pk])

    @property
    def is_checked(self) -> bool:
        return self.status == ImportStatus.CHECKED

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def is_working(self) -> bool:
        """Checking or importing, or its job still writing the rejected rows' file after
        the batch's last chunk (the page waits for that file before it shows the end)."""
        working = self.status in (ImportStatus.CHECKING, ImportStatus.RUNNING)
        return working or (self.job is not None and not self.job.is_finished)


class ImportRowError(models.Model):
    """One problem of one row of an import's file: its row number (as the spreadsheet
    shows it, the header being row 1), the column, and the message."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    message = models.CharField(_("message"), max_length=500)

    class Meta:
        verbose_name = _("import row error")
        verbose_name_plural = _("import row errors")
        ordering = ["batch", "row", "id"]
        indexes = [models.Index(fields=["batch", "row"], name="importrowerror_batch_row_idx")]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"
