"""Background work on clients."""

from __future__ import annotations

from celery import shared_task

from crm.core.jobs import job_run

from .exports import CLIENT_EXPORT, write_client_export_job


@shared_task(acks_late=True, ignore_result=True)
def run_client_export(job_id: str) -> None:
    """Build the .xlsx of a large client export job; a job already finished is left alone."""
    job_run(job_id=job_id, kind=CLIENT_EXPORT, writer=write_client_export_job)
