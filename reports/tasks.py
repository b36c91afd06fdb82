"""Background work of the reports: keeping their tallies up to date."""

from __future__ import annotations

from celery import shared_task

from .tallies import report_tallies_fold


@shared_task(acks_late=True, ignore_result=True)
def run_report_tallies_fold() -> int:
    """Count again the months whose leads changed (beat, every minute). Two at once do
    not double anything: the second finds the lock taken and returns 0."""
    return report_tallies_fold()
