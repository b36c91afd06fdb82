"""The background jobs of an import (see crm.core.jobs): the dry run and the import run
in a Celery worker, each with a progress bar and, as its file, the rejected rows."""

from __future__ import annotations

from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.jobs import JobProgress
from crm.core.models import BackgroundJob
from leads.models import ImportBatch, ImportStatus

from .check import import_check
from .reading import ImportFileError, estimate_rows
from .rejected import rejected_file_name, write_rejected_rows
from .run import import_run

IMPORT_CHECK = "lead_import_check"
IMPORT_RUN = "lead_import_run"


def _batch_of(job: BackgroundJob) -> ImportBatch:
    return ImportBatch.objects.select_related("source", "created_by").get(pk=job.params["batch"])


def _estimate(batch: ImportBatch) -> int:
    with batch.file.open("rb") as file_obj:
        return estimate_rows(file_obj, batch.file_name)


def _failed(batch: ImportBatch, error: Exception) -> None:
    """The batch failed, with a sentence for the user (the page shows it): what was wrong
    with the file, or that something went wrong that is not theirs to fix (job_run logs
    the error itself)."""
    if isinstance(error, ImportFileError):
        message = str(error)
    elif isinstance(error, OSError):
        message = _("The uploaded file can no longer be read. Upload it again.")
    else:
        message = _(
            "The import stopped on an unexpected error. Nothing more was imported; try "
            "again, and ask an administrator if it keeps failing."
        )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def write_import_check_job(job: BackgroundJob, file_obj: IO[bytes], progress: JobProgress) -> str:
    """The dry run; its file is the rows it would reject."""
    batch = _batch_of(job)
    try:
        progress.set_total(_estimate(batch))
        import_check(batch, progress=progress)
        write_rejected_rows(batch, file_obj)
    except Exception as error:
        _failed(batch, error)
        raise
    return rejected_file_name(batch)


def write_import_run_job(job: BackgroundJob, file_obj: IO[bytes], progress: JobProgress) -> str:
    """The import; its file is the rows it rejected."""
    batch = _batch_of(job)
    try:
        progress.set_total(batch.rows_total)
        import_run(batch, progress=progress)
        write_rejected_rows(batch, file_obj)
    except Exception as error:
        _failed(batch, error)
        raise
    return rejected_file_name(batch)
