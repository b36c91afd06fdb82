"""Notes and documents on a lead: writing, uploading, downloading and deleting them.

Files are served only here, after the lead's scoping: the media folder has no URL."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from crm.core.forms import add_service_errors
from leads.detail_selectors import lead_get_light_for_user
from leads.forms.documents import DocumentForm, NoteForm
from leads.models import Lead
from leads.selectors.documents import lead_document_get, lead_documents, lead_notes
from leads.services.documents import document_delete, document_upload, note_create
from leads.uploads import GROUPS, FileKind, allowed_kinds

PAGE_SIZE = 20


def tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the tab reads beyond the lead: a page of notes, a page of all the lead's
    files, and the two forms."""
    kinds = allowed_kinds()
    notes = Paginator(lead_notes(lead=lead), PAGE_SIZE)
    documents = Paginator(lead_documents(lead=lead), PAGE_SIZE)
    return {
        "notes_page": notes.get_page(request.GET.get("notes_page")),
        "documents_page": documents.get_page(request.GET.get("documents_page")),
        "note_form": NoteForm(kinds=kinds),
        "document_form": DocumentForm(kinds=kinds),
        "allowed_types": _allowed_types(kinds),
        "can_delete_documents": request.user.has_perm("leads.delete_document"),
    }


def _tab_url(lead: Lead) -> str:
    return f"{lead.get_absolute_url()}?tab=documents"


def _saved_or_refused(
    request: HttpRequest, lead: Lead, form: Form, save: Callable[[dict], None], done: str
) -> HttpResponse:
    """Call `save`; on success back to the tab with `done`, on a refusal the form's own
    page with the errors next to the fields (a file input cannot be filled in again)."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect(_tab_url(lead))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(_tab_url(lead))
    context = {"lead": lead, "form": form, "allowed_types": _allowed_types(allowed_kinds())}
    return render(request, f"leads/documents/{form.prefix}_form.html", context, status=400)


def _allowed_types(kinds: list[FileKind]) -> str:
    groups = {kind.group for kind in kinds}
    return ", ".join(str(GROUPS[group]) for group in GROUPS if group in groups)


@require_POST
@login_required
def note_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    form = NoteForm(request.POST, request.FILES, kinds=allowed_kinds())

    def save(data: dict) -> None:
        note_create(lead=lead, text=data["text"], upload=data["file"], user=request.user)

    return _saved_or_refused(request, lead, form, save, _("The note is added."))


@require_POST
@login_required
def document_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    form = DocumentForm(request.POST, request.FILES, kinds=allowed_kinds())

    def save(data: dict) -> None:
        document_upload(lead=lead, upload=data["file"], user=request.user)

    return _saved_or_refused(request, lead, form, save, _("The file is added."))


@require_safe
@login_required
def document_download_view(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """The file, as an attachment, to whoever may see its lead; 404 to anyone else and
    for a document of another lead."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    document = lead_document_get(lead=lead, pk=document_pk)
    try:
        stream = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(stream, as_attachment=True, content_type=document.content_type)
    response["Content-Disposition"] = attachment_header(document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser ever render it, the file runs nothing and reads nothing of ours.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@login_required
def document_delete_view(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    document = lead_document_get(lead=lead, pk=document_pk)
    try:
        document_delete(document=document, user=request.user)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request, _("The file “%(name)s” is deleted.") % {"name": document.original_name}
        )
    return redirect(_tab_url(lead))


# Polish letters that do not decompose into an ASCII letter and an accent.
_ASCII_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"})


def attachment_header(name: str) -> str:
    """Content-Disposition for a download named `name` (already sanitised when stored):
    an ASCII fallback for old clients and the exact name in RFC 5987's `filename*`."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_ASCII_LETTERS))
    ascii_name = "".join(
        char if char.isascii() and (char.isalnum() or char in " .-_()[],+") else "_"
        for char in decomposed
        if not unicodedata.combining(char)
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
