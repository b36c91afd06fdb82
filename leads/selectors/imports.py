"""Reads of imports, scoped: administrators see every import, managers their branch's,
anyone else none (an import they may not see does not exist for them: 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from crm.core.models import User
from leads.models import ImportBatch, ImportRowError


def import_batches_visible_to(user: User) -> QuerySet[ImportBatch]:
    """The imports the user may see, newest first, with who made them and their source."""
    batches = ImportBatch.objects.select_related("created_by", "source", "job")
    if not user.has_perm("leads.import_lead"):
        return batches.none()
    if user.is_administrator:
        return batches
    return batches.filter(branch_id=user.branch_id)


def import_batches_listed(*, user: User) -> QuerySet[ImportBatch]:
    """The imports the user may see as the import page lists them: without the columns
    only one import's page reads (headers, mapping, error), which may be large."""
    return (
        import_batches_visible_to(user)
        .select_related(None)
        .select_related("created_by", "source")
        .defer("headers", "mapping", "error")
    )


def import_batch_get(*, user: User, pk: int) -> ImportBatch:
    """One import the user may see; 404 otherwise."""
    return get_object_or_404(import_batches_visible_to(user), pk=pk)


def import_batch_get_own(*, user: User, pk: int) -> ImportBatch:
    """One import made by the user (its mapping, confirmation and rejected rows are theirs
    alone); 404 otherwise."""
    return get_object_or_404(import_batches_visible_to(user), pk=pk, created_by=user)


def import_row_errors(*, batch: ImportBatch) -> QuerySet[ImportRowError]:
    """The batch's row errors, by row."""
    return ImportRowError.objects.filter(batch=batch).order_by("row", "id")


def import_earlier_of_same_file(*, batch: ImportBatch) -> ImportBatch | None:
    """The newest earlier import of the same file (by its SHA-256) that got past the
    dry run, if any: the upload says so (its rows would be duplicates)."""
    return (
        ImportBatch.objects.filter(file_sha256=batch.file_sha256, created_at__lt=batch.created_at)
        .exclude(pk=batch.pk)
        .filter(status__in=["running", "done"])
        .order_by("-created_at")
        .first()
    )
