"""Notes and documents on a lead: write a note (with at most one attachment), upload a
document on its own, delete one.

A file is checked on the server from its content before anything is stored
(`leads.uploads.upload_check`); the storage name is random (`document_upload_to`). A note
or document that fails leaves neither a row nor a file.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import IO, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import Document, Lead, Note

from ..uploads import upload_check
from .pipeline import lead_closed_refusal

NOTE_MAX_LENGTH = 10_000

# -- Stored files follow the transaction -----------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")
_stored: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("documents_stored", default=None)


def _removes_stored_files_on_failure(service: Callable[P, R]) -> Callable[P, R]:
    """Wrapped around a service's transaction: when the service fails, its commit
    included, the files it already wrote are removed again, so no file is left that no
    row points to. A service called from another one leaves this to the outer one."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _stored.get() is not None:
            return service(*args, **kwargs)
        token = _stored.set([])
        try:
            return service(*args, **kwargs)
        except BaseException:
            for storage, name in _stored.get() or []:
                storage.delete(name)
            raise
        finally:
            _stored.reset(token)

    return wrapper


def _require_writable(lead: Lead) -> None:
    # Notes and files still go on a failed or won lead (a contract scan); not on a
    # deleted inquiry.
    if refusal := lead_closed_refusal(lead=lead, won_closes=False, failed_closes=False):
        raise ValidationError(refusal)


# -- The services ------------------------------------------------------------------------------


@_removes_stored_files_on_failure
@transaction.atomic
def document_upload(
    *, lead: Lead, upload: IO[bytes], user: User | None, note: Note | None = None
) -> Document:
    """Add a file to a lead, on its own or as `note`'s one attachment. The file is
    checked from its content first (`upload_check`) and stored under a random name; the
    row records the cleaned original name, the type told from the content and the size.
    Open, won and failed leads take files; a deleted inquiry does not.

    `user` None: the file came with the inquiry itself (an email's attachment the intake
    received), so there is no one whose permission to check and no uploader to record;
    every rule on the file still applies."""
    if user is not None and not user.has_perm("leads.add_document"):
        raise PermissionDenied(_("You may not add documents."))
    _require_writable(lead)
    if note is not None:
        if note.lead_id != lead.pk:
            raise ValidationError(_("This note belongs to another lead."))
        if Document.objects.filter(note=note).exists():
            raise ValidationError({"file": _("A note has at most one attachment.")})
    checked = upload_check(upload)
    document = Document(
        lead=lead,
        note=note,
        original_name=checked.name,
        content_type=checked.kind.content_type,
        size=checked.size,
        uploaded_by=user,
    )
    document.full_clean(
        exclude=["file"] if user is not None else ["file", "uploaded_by"], validate_unique=False
    )
    content = checked.file if isinstance(checked.file, File) else File(checked.file)
    document.file.save(checked.name, content, save=False)
    stored = _stored.get()
    if stored is not None:
        stored.append((document.file.storage, document.file.name))
    document._history_user = user  # django-simple-history records who made the change
    document.save()
    return document


@_removes_stored_files_on_failure
@transaction.atomic
def note_create(*, lead: Lead, text: str, upload: IO[bytes] | None, user: User) -> Note:
    """Write an internal note on a lead, with at most one attachment (`upload`, checked
    as by `document_upload`). The note and its file are stored together or not at all:
    a refused file stores no note."""
    if not user.has_perm("leads.add_note"):
        raise PermissionDenied(_("You may not add notes."))
    _require_writable(lead)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"text": _("A note has at most %(limit)d characters.") % {"limit": NOTE_MAX_LENGTH}}
        )
    if upload is not None:
        upload_check(upload)  # refuse a bad file before the note is written
    note = Note(lead=lead, text=text, created_by=user)
    note.full_clean()
    note._history_user = user
    note.save()
    if upload is not None:
        document_upload(lead=lead, upload=upload, user=user, note=note)
    return note


@transaction.atomic
def document_delete(*, document: Document, user: User) -> None:
    """Delete a document (a note's attachment too; the note stays). Its history keeps a
    record of it; the stored file is removed once the deletion is committed."""
    if not user.has_perm("leads.delete_document"):
        raise PermissionDenied(_("You may not delete documents."))
    _require_writable(document.lead)
    storage, name = document.file.storage, document.file.name
    document._history_user = user
    document.delete()
    transaction.on_commit(functools.partial(storage.delete, name))
