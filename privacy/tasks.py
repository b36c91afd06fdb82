"""Background work on personal data."""

from __future__ import annotations

from celery import shared_task

from .services.retention import retention_run


@shared_task(acks_late=True, ignore_result=True)
def run_retention() -> None:
    """The monthly retention job (CELERY_BEAT_SCHEDULE): anonymise the inactive people
    and complete the anonymisations whose legal hold has ended."""
    retention_run()
