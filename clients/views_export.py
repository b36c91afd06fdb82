"""Excel export of the client list as the user filtered it (GET with the list's query
string); managers and administrators only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from crm.core.views import export_view

from .exports import CLIENT_EXPORT, client_export_file_name, clients_for_export, write_clients_xlsx
from .tasks import run_client_export


@login_required
@require_GET
def client_export_view(request: HttpRequest) -> HttpResponse:
    return export_view(
        request,
        rows=clients_for_export(user=request.user, query=request.GET.urlencode()),
        write=write_clients_xlsx,
        file_name=client_export_file_name(),
        kind=CLIENT_EXPORT,
        task=run_client_export,
        back_url=reverse("clients:list"),
    )
