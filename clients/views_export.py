"""Excel export of the client list as the user filtered it (the list's query string);
managers and administrators only. A GET shows what will be exported; the export itself
is a POST (the list's button)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.core.forms import describe_filters
from crm.core.views import export_view

from .exports import (
    CLIENT_EXPORT,
    client_export_file_name,
    client_export_filterset,
    client_export_rows,
    write_clients_xlsx,
)
from .tasks import run_client_export


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def client_export_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.urlencode()
    client_filter = client_export_filterset(user=request.user, query=query)
    return export_view(
        request,
        what=_("Clients"),
        query=query,
        rows=client_export_rows(client_filter),
        describe=lambda: describe_filters(client_filter.form),
        write=write_clients_xlsx,
        file_name=client_export_file_name(),
        kind=CLIENT_EXPORT,
        task=run_client_export,
        back_url=reverse("clients:list"),
    )
