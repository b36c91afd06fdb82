"""Background jobs (large exports): start one for a user, run it once in a Celery worker,
report its progress. The domain apps give the task and the function that writes the file;
this module knows none of them."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation

from .models import BackgroundJob, User

logger = logging.getLogger(__name__)

Status = BackgroundJob.Status


class JobProgress:
    """Passed to a job's writer: `set_total(n)` once the rows are counted, then
    `progress(done)` as rows are written. Each call is one UPDATE, committed at once so
    that the polling page sees it."""

    def __init__(self, job: BackgroundJob):
        self.job = job

    def set_total(self, total: int) -> None:
        self.job.total = total
        BackgroundJob.objects.filter(pk=self.job.pk).update(total=total)

    def __call__(self, done: int) -> None:
        self.job.progress = done
        BackgroundJob.objects.filter(pk=self.job.pk).update(progress=done)


# A writer fills the file for a job and returns the name the user downloads it under.
JobWriter = Callable[[BackgroundJob, IO[bytes], JobProgress], str]


@transaction.atomic
def job_start(
    *, user: User, kind: str, params: dict[str, Any], total: int, task: Any
) -> BackgroundJob:
    """Create a queued job for the user and queue `task.delay(job_id)` once the job is
    committed (a worker must find it)."""
    job = BackgroundJob(user=user, kind=kind, params=params, total=total)
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: task.delay(str(job.pk)))
    return job


def job_run(*, job_id: str, kind: str, writer: JobWriter) -> BackgroundJob | None:
    """Run a job of this kind once: a job that is done or failed is left as it is, so a
    redelivered task (acks late) does not redo finished work; a job left running by a
    killed worker starts over. Failures are stored on the job, not raised."""
    job = BackgroundJob.objects.select_related("user").filter(pk=job_id, kind=kind).first()
    if job is None or job.is_finished:
        return job
    BackgroundJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, progress=0)
    language = job.params.get("language") or settings.LANGUAGE_CODE
    try:
        with translation.override(language), tempfile.TemporaryFile() as file_obj:
            file_name = writer(job, file_obj, JobProgress(job))
            file_obj.seek(0)
            # The stored name is the job's UUID: nothing guessable, no user text in paths.
            # A run killed after storing the file but before recording it left it behind
            # under that name: replace it, so that a job has one file, not a copy per run.
            stored_name = f"{job.pk}.xlsx"
            job.file.storage.delete(job.file.field.generate_filename(job, stored_name))
            job.file.save(stored_name, File(file_obj), save=False)
    except Exception as error:
        logger.exception("Background job %s (%s) failed", job.pk, kind)
        BackgroundJob.objects.filter(pk=job.pk).update(
            status=Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    job.status = Status.DONE
    job.file_name = file_name
    # The rows actually written: the list may have changed since it was counted.
    job.total = job.progress
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "file", "file_name", "total", "finished_at"])
    return job
