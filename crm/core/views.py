"""Background jobs seen by their owner: the progress partial polled by htmx and the
download of the finished file. Anyone else gets 404, as for any object they may not see.

Also the shared steps of an Excel export view (permission, size, response), so that the
lead and client export views stay a few lines each, and the page an export's GET shows,
which the reports' exports show too."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from .excel import XLSX_CONTENT_TYPE
from .jobs import job_start
from .models import BackgroundJob

EXPORT_PERMISSION = "leads.export_lead"


@login_required
@require_GET
def job_view(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """The job's page; for htmx (polled every second while it runs) only its status."""
    job = get_object_or_404(BackgroundJob, pk=job_id, user=request.user)
    template = "exports/includes/job_status.html" if request.htmx else "exports/job.html"
    return render(request, template, {"job": job})


@login_required
@require_GET
def job_download_view(request: HttpRequest, job_id: UUID) -> FileResponse:
    """The finished job's file, as an attachment, to its owner only."""
    job = get_object_or_404(
        BackgroundJob, pk=job_id, user=request.user, status=BackgroundJob.Status.DONE
    )
    if not job.file:
        raise Http404
    try:
        file_obj = job.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(file_obj, as_attachment=True, filename=job.file_name)


def sync_export_limit() -> int:
    """Exports up to this many rows are built in the request (read at call time, so that
    tests and deployments can change it)."""
    return getattr(settings, "LEJEK_SYNC_EXPORT_LIMIT", 5000)


def export_confirm_response(
    request: HttpRequest,
    *,
    what: str,
    filters: list[tuple[str, str]],
    back_url: str,
    count: int | None = None,
    limit: int | None = None,
    sheets: str | None = None,
) -> HttpResponse:
    """The page an export's GET shows (a list's or a report's): what will be exported,
    its filters in words, the rows when counted (`count`, up to `limit` at once) or the
    sheets, the format, and the button that POSTs to this very URL."""
    context = {"what": what, "filters": filters, "count": count, "limit": limit}
    context.update(sheets=sheets, action=request.get_full_path(), back_url=back_url)
    return render(request, "exports/confirm.html", context)


def export_view(
    request: HttpRequest,
    *,
    what: str,
    query: str,
    rows: Any,
    describe: Callable[[], list[tuple[str, str]]],
    write: Callable[[Any, IO[bytes]], int],
    file_name: str,
    kind: str,
    task: Any,
    back_url: str,
) -> HttpResponse:
    """The body of an export view (`rows` are the list filtered by `query`, its URL
    query). Users without the export permission are refused (403 with an explanation).
    A GET shows what will be exported (`what`, the filters in words that `describe`
    gives, how many rows, the format) with a button that POSTs: only a POST, which
    carries the CSRF token, exports. It gives up to sync_export_limit() rows as an .xlsx
    at once; for more, it starts a background job and sends the user to its progress
    page."""
    if not request.user.has_perm(EXPORT_PERMISSION):
        return render(request, "exports/forbidden.html", status=403)
    back = f"{back_url}?{query}" if query else back_url
    limit = sync_export_limit()
    # Counting stops past the limit: a million-row list is not counted in the request.
    count = rows.order_by()[: limit + 1].count()
    if request.method != "POST":
        return export_confirm_response(
            request, what=what, filters=describe(), back_url=back, count=count, limit=limit
        )
    if count <= limit:
        buffer = io.BytesIO()
        write(rows, buffer)
        buffer.seek(0)
        return FileResponse(
            buffer, as_attachment=True, filename=file_name, content_type=XLSX_CONTENT_TYPE
        )
    params = {"query": query, "language": get_language(), "back_url": back}
    job = job_start(user=request.user, kind=kind, params=params, total=0, task=task)
    # A redirect, so that reloading the progress page does not start a second job.
    return redirect(job)
