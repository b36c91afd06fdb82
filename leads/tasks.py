"""Background work on leads."""

from __future__ import annotations

from celery import shared_task

from crm.core.jobs import job_run

from .exports import LEAD_EXPORT, write_lead_export_job


@shared_task(acks_late=True, ignore_result=True)
def run_lead_export(job_id: str) -> None:
    """Build the .xlsx of a large lead export job; a job already finished is left alone."""
    job_run(job_id=job_id, kind=LEAD_EXPORT, writer=write_lead_export_job)
