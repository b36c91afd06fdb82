"""Background work on leads."""

from __future__ import annotations

from celery import shared_task

from crm.core.jobs import job_run

from .exports import LEAD_EXPORT, write_lead_export_job
from .imports.jobs import IMPORT_CHECK, IMPORT_RUN, write_import_check_job, write_import_run_job
from .services.figures import lead_figures_rebuild
from .services.reminders import digests_queue, reminders_queue_due
from .services.sales import reservations_expire_due


@shared_task(acks_late=True, ignore_result=True)
def run_lead_export(job_id: str) -> None:
    """Build the .xlsx of a large lead export job; a job already finished is left alone."""
    job_run(job_id=job_id, kind=LEAD_EXPORT, writer=write_lead_export_job)


@shared_task(acks_late=True, ignore_result=True)
def run_lead_import_check(job_id: str) -> None:
    """The dry run of an import (counts and row errors); a finished job is left alone."""
    job_run(job_id=job_id, kind=IMPORT_CHECK, writer=write_import_check_job)


@shared_task(acks_late=True, ignore_result=True)
def run_lead_import(job_id: str) -> None:
    """Import a confirmed batch; a job left running by a killed worker resumes after the
    last committed chunk (see leads/imports/run.py)."""
    job_run(job_id=job_id, kind=IMPORT_RUN, writer=write_import_run_job)


@shared_task(acks_late=True, ignore_result=True)
def expire_reservations() -> int:
    """Expire the preliminary reservations past their last day (beat, hourly); a second
    run finds nothing left to do."""
    return reservations_expire_due()


@shared_task(ignore_result=True)
def queue_conversation_reminders() -> int:
    """Owe the reminders of the conversations due soon (beat, every minute); a second run,
    or a run on another worker at the same time, owes nothing new."""
    return reminders_queue_due()


@shared_task(ignore_result=True)
def queue_daily_digests() -> int:
    """Owe each employee's daily digest (beat, every morning); once per employee and day."""
    return digests_queue()


@shared_task(acks_late=True, ignore_result=True)
def run_lead_figures_rebuild() -> int:
    """Recompute every lead's report figures (after the pipeline was reordered). Run
    twice, it gives the same figures: a redelivered task is harmless."""
    return lead_figures_rebuild()
