"""The retention policy at work (the monthly beat job): everyone the dry run
(`privacy.selectors.retention.retention_entries`) marks as due is anonymised with the
reason "retention", each in a transaction of their own, and the people whose legal hold has
ended lose what it kept. The raw log's entries that made no lead are deleted once older
than `privacy.selectors.intake.RAW_UNLINKED_DAYS` (policy on or off)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from clients.models import Client
from leads.models import Lead
from privacy.selectors.retention import raw_messages_expired, retention_entries

from .anonymisation import Reason, person_anonymise

logger = logging.getLogger(__name__)


@dataclass
class RetentionRun:
    """What a run did, by id: the clients and inquiries anonymised, those that failed, and
    how many raw log entries without a lead it deleted."""

    clients: list[int] = field(default_factory=list)
    inquiries: list[int] = field(default_factory=list)
    failed: list[tuple[str, int]] = field(default_factory=list)
    raw_messages_deleted: int = 0


def retention_run() -> RetentionRun:
    """Anonymise everyone the retention policy marks as due. One person's failure is
    logged and leaves the others to be done (and them for the next run)."""
    run = RetentionRun()
    for entry in retention_entries():
        if not entry.due:
            continue
        try:
            if entry.kind == "client":
                person_anonymise(client=Client.objects.get(pk=entry.pk), reason=Reason.RETENTION)
                run.clients.append(entry.pk)
            else:
                person_anonymise(lead=Lead.objects.get(pk=entry.pk), reason=Reason.RETENTION)
                run.inquiries.append(entry.pk)
        except Exception:
            logger.exception("Retention could not anonymise %s %s", entry.kind, entry.pk)
            run.failed.append((entry.kind, entry.pk))
    run.raw_messages_deleted = raw_messages_expired().delete()[0]
    logger.info(
        "Retention: %d clients and %d inquiries anonymised, %d failed, %d raw log entries "
        "without a lead deleted.",
        len(run.clients),
        len(run.inquiries),
        len(run.failed),
        run.raw_messages_deleted,
    )
    return run
