"""Writes of an import: the upload, the mapping (which starts the dry run) and the
confirmation (which starts the import). The work itself runs in Celery (leads/imports/)."""

from __future__ import annotations

import hashlib
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from clients.models import LeadSource
from crm.core.jobs import job_start
from crm.core.models import User
from leads.imports.jobs import IMPORT_CHECK, IMPORT_RUN
from leads.imports.mapping import guess_mapping, mapping_errors
from leads.imports.reading import ImportFileError, Table, file_kind, read_table
from leads.models import ImportBatch, ImportKind, ImportRowError, ImportStatus
from settings_app.selectors import crm_settings

IMPORT_PERMISSION = "leads.import_lead"


def _require_permission(user: User) -> None:
    if not user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied


def file_sha256(file_obj: IO[bytes]) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    file_obj.seek(0)
    while chunk := file_obj.read(1024 * 1024):
        digest.update(chunk)
    file_obj.seek(0)
    return digest.hexdigest()


@transaction.atomic
def import_batch_upload(
    *,
    user: User,
    file_obj: IO[bytes],
    file_name: str,
    source: LeadSource,
    all_or_nothing: bool,
    kind: str = ImportKind.LEADS,
    encoding: str = "",
) -> ImportBatch:
    """Store an uploaded file of leads or clients (`kind`) as a new batch with its headers,
    the guessed mapping and, for a CSV, its encoding (`encoding`, else the one recognised).
    Raises ValidationError (under "file") for a file that cannot be read as a table or is
    over a cap (checked before it is parsed or stored), or a CSV not clean in its
    encoding."""
    _require_permission(user)
    table = _read_verified(file_obj, file_name, encoding=encoding or None, field="file")
    headers = table.headers
    batch = ImportBatch(
        created_by=user,
        branch_id=user.branch_id,
        file_name=file_name[-255:],
        file_sha256=file_sha256(file_obj),
        source=source,
        kind=kind,
        encoding=table.encoding,
        headers=headers,
        mapping=guess_mapping(headers, kind),
        all_or_nothing=all_or_nothing,
    )
    batch.file.save(file_name, File(file_obj), save=False)
    batch.full_clean()
    batch.save()
    return batch


def _read_verified(file_obj: IO[bytes], name: str, *, encoding: str | None, field: str) -> Table:
    """The file's table, verified (caps, encoding, the settings' most rows), its rows not
    read; ValidationError under `field` otherwise."""
    try:
        table = read_table(
            file_obj, name, encoding=encoding, max_rows=crm_settings().import_max_rows
        )
    except ImportFileError as error:
        raise ValidationError({field: [str(error)]}) from error
    table.rows.close()  # only the header row is read now
    return table


@transaction.atomic
def import_batch_set_encoding(*, batch: ImportBatch, user: User, encoding: str) -> ImportBatch:
    """Read the batch's CSV again in another encoding: its headers and the guessed mapping
    follow, and a dry run already made is forgotten. Refused (ValidationError under
    "encoding") when the file is not clean in that encoding, or the import has started."""
    _require_owner(batch, user)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _require_mappable(batch)
    with batch.file.open("rb") as file_obj:
        if file_kind(file_obj, batch.file_name) != "csv":
            raise ValidationError({"encoding": [_("Only a CSV file has an encoding to choose.")]})
        table = _read_verified(file_obj, batch.file_name, encoding=encoding, field="encoding")
    ImportRowError.objects.filter(batch=batch).delete()
    batch.encoding = table.encoding
    batch.headers = table.headers
    batch.mapping = guess_mapping(table.headers, batch.kind)
    batch.status = ImportStatus.UPLOADED
    batch.save(update_fields=["encoding", "headers", "mapping", "status"])
    return batch


@transaction.atomic
def import_batch_map(*, batch: ImportBatch, user: User, mapping: dict[str, str]) -> ImportBatch:
    """Save the batch's column mapping and start its dry run. A mapping with neither the
    email nor the phone (or a field twice) is refused before any row is read."""
    from leads.tasks import run_lead_import_check

    _require_owner(batch, user)
    _require_mappable(batch)
    mapping = {index: field for index, field in mapping.items() if field}
    if errors := mapping_errors(mapping, batch.kind):
        raise ValidationError(errors)
    batch.mapping = mapping
    batch.status = ImportStatus.CHECKING
    batch.job = _start(batch, user, kind=IMPORT_CHECK, task=run_lead_import_check)
    batch.save(update_fields=["mapping", "status", "job"])
    return batch


@transaction.atomic
def import_batch_confirm(*, batch: ImportBatch, user: User) -> ImportBatch:
    """Start the import of a checked batch. Refused when all-or-nothing was chosen and the
    dry run found errors (nothing would be imported)."""
    from leads.tasks import run_lead_import

    _require_owner(batch, user)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.CHECKED:
        raise ValidationError(_("This import is not waiting for a confirmation."))
    if batch.all_or_nothing and batch.rows_error:
        raise ValidationError(
            _(
                "All or nothing was chosen and some rows have errors: fix the file and "
                "upload it again."
            )
        )
    batch.status = ImportStatus.RUNNING
    batch.job = _start(batch, user, kind=IMPORT_RUN, task=run_lead_import)
    batch.save(update_fields=["status", "job"])
    return batch


def _require_owner(batch: ImportBatch, user: User) -> None:
    _require_permission(user)
    if batch.created_by_id != user.pk:
        raise PermissionDenied


def _require_mappable(batch: ImportBatch) -> None:
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise ValidationError(_("This import has already started; its mapping cannot change."))


def _start(batch: ImportBatch, user: User, *, kind: str, task):
    params = {"batch": batch.pk, "language": get_language()}
    return job_start(user=user, kind=kind, params=params, total=batch.rows_total, task=task)
