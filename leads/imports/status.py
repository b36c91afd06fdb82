"""A batch's end of the dry run, shared by the leads' and the clients' checks."""

from __future__ import annotations

from django.db import transaction

from leads.models import ImportBatch, ImportStatus


def batch_checked(batch: ImportBatch, counts: dict[str, int]) -> None:
    """The dry run is over: the batch is checked, with these counts (also on `batch`)."""
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.CHECKED, **counts)
    for name, value in counts.items():
        setattr(batch, name, value)
    batch.status = ImportStatus.CHECKED
