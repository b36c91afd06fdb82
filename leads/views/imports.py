"""Importing leads from a file, for users with the import permission (managers): upload,
column mapping, the dry run's results, confirmation, progress, the summary and the
rejected rows. An import of another branch does not exist for a user (404), and only
the user who made an import maps, confirms it and downloads its rejected rows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.core.excel import XLSX_CONTENT_TYPE
from crm.core.forms import add_service_errors
from crm.core.models import BackgroundJob
from crm.core.pagination import paginate
from leads.forms.imports import ImportEncodingForm, ImportMappingForm, ImportUploadForm
from leads.imports.check import preview_rows
from leads.imports.encodings import encoding_label
from leads.models import ImportBatch, ImportStatus
from leads.selectors.imports import (
    import_batch_get,
    import_batch_get_own,
    import_batches_listed,
    import_earlier_of_same_file,
    import_row_errors,
)
from leads.services.imports import (
    IMPORT_PERMISSION,
    import_batch_confirm,
    import_batch_map,
    import_batch_set_encoding,
    import_batch_upload,
)


def _require_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied


@login_required
def import_start_view(request: HttpRequest) -> HttpResponse:
    """The upload form and the recent imports the user may see."""
    _require_permission(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = import_batch_upload(
                user=request.user,
                file_obj=upload,
                file_name=upload.name,
                source=form.cleaned_data["source"],
                all_or_nothing=form.cleaned_data["all_or_nothing"],
                kind=form.cleaned_data["kind"],
                encoding=form.cleaned_data["encoding"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("leads:import_mapping", pk=batch.pk)
    batches = import_batches_listed(user=request.user)[:20]
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "batches": batches}
    return render(request, "leads/imports/start.html", context, status=status)


@login_required
def import_mapping_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The columns of the file and the field each fills; saving starts the dry run. A CSV's
    encoding is shown, with the others to read it in."""
    batch = import_batch_get_own(user=request.user, pk=pk)
    form = _mapping_form(request.POST or None, batch)
    if request.method == "POST" and form.is_valid():
        try:
            import_batch_map(batch=batch, user=request.user, mapping=form.mapping())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(batch)
    status = 400 if request.method == "POST" else 200
    return _mapping_page(request, batch, form=form, status=status)


@login_required
@require_POST
def import_encoding_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the CSV again in the encoding chosen; refused when it is not clean in it."""
    batch = import_batch_get_own(user=request.user, pk=pk)
    encoding_form = ImportEncodingForm(request.POST)
    if encoding_form.is_valid():
        encoding = encoding_form.cleaned_data["encoding"]
        try:
            import_batch_set_encoding(batch=batch, user=request.user, encoding=encoding)
        except ValidationError as error:
            add_service_errors(encoding_form, error)
        else:
            return redirect("leads:import_mapping", pk=batch.pk)
    form = _mapping_form(None, batch)
    return _mapping_page(request, batch, form=form, encoding_form=encoding_form, status=400)


def _mapping_form(data: QueryDict | None, batch: ImportBatch) -> ImportMappingForm:
    return ImportMappingForm(
        data,
        headers=batch.headers,
        initial_mapping=batch.mapping,
        samples=preview_rows(batch),
        kind=batch.kind,
    )


def _mapping_page(
    request: HttpRequest,
    batch: ImportBatch,
    *,
    form: ImportMappingForm,
    encoding_form: ImportEncodingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if encoding_form is None and batch.encoding:
        encoding_form = ImportEncodingForm(initial={"encoding": batch.encoding})
    context = {
        "batch": batch,
        "form": form,
        "encoding_form": encoding_form,
        "encoding": encoding_label(batch.encoding),
        "earlier": import_earlier_of_same_file(batch=batch),
    }
    return render(request, "leads/imports/mapping.html", context, status=status)


@login_required
@require_GET
def import_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's state: progress while it works (the bar polled by htmx), the dry run's
    counts and row errors before the confirmation, the summary at the end."""
    batch = import_batch_get(user=request.user, pk=pk)
    if request.htmx:
        response = render(request, "leads/imports/includes/progress.html", {"batch": batch})
        if not batch.is_working:
            response["HX-Refresh"] = "true"  # the whole page shows the results
        return response
    if batch.status == ImportStatus.UPLOADED and batch.created_by_id == request.user.pk:
        return redirect("leads:import_mapping", pk=batch.pk)
    errors = paginate(request, import_row_errors(batch=batch), per_page=50)
    context = {"batch": batch, "errors": errors, "is_owner": batch.created_by_id == request.user.pk}
    return render(request, "leads/imports/detail.html", context)


@login_required
@require_POST
def import_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the import of the checked file."""
    batch = import_batch_get_own(user=request.user, pk=pk)
    try:
        import_batch_confirm(batch=batch, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(batch)


@login_required
@require_GET
def import_rejected_view(request: HttpRequest, pk: int) -> FileResponse:
    """The rejected rows (.xlsx) of the import's latest dry run or run, to its maker only."""
    batch = import_batch_get_own(user=request.user, pk=pk)
    job = batch.job
    if job is None or job.status != BackgroundJob.Status.DONE or not job.file:
        raise Http404(_("The file of rejected rows is not ready."))
    try:
        file_obj = job.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        file_obj, as_attachment=True, filename=job.file_name, content_type=XLSX_CONTENT_TYPE
    )
