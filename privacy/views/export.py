"""Views: the export of a person's data (RODO art. 15 and 20), for a client and for the
contact of an inquiry without a client.

As every export in Lejek, it starts with a POST (CSRF-protected): the URL opened with a GET
shows what will be exported and the button that POSTs. A user who may not open the client
or the lead gets 404; one who may, without the privacy.export_person permission, 403 with
an explanation (as the lists' export refuses, crm/core/views.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from clients.models import Client
from clients.selectors import client_get_for_user
from leads.models import Lead
from leads.selectors import lead_get_for_user
from privacy.services.export import EXPORT_PERMISSION, person_export


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def client_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, pk=pk)
    return _export(request, client=client, person=str(client), back_url=client.get_absolute_url())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact of an inquiry without a client. Once the inquiry has a client, the
    client's export covers it: the page points there instead."""
    lead = lead_get_for_user(user=request.user, pk=pk)
    clients = list(lead.clients.all())
    if clients:
        if request.method == "POST":
            return redirect("privacy:lead_export", pk=lead.pk)
        if not request.user.has_perm(EXPORT_PERMISSION):
            return render(request, "privacy/export_forbidden.html", status=403)
        context = {"person": _contact_name(lead), "clients": clients}
        context["back_url"] = lead.get_absolute_url()
        return render(request, "privacy/export_confirm.html", context)
    return _export(request, lead=lead, person=_contact_name(lead), back_url=lead.get_absolute_url())


def _export(
    request: HttpRequest,
    *,
    person: str,
    back_url: str,
    client: Client | None = None,
    lead: Lead | None = None,
) -> HttpResponse:
    if not request.user.has_perm(EXPORT_PERMISSION):
        return render(request, "privacy/export_forbidden.html", status=403)
    if request.method != "POST":
        context = {"person": person, "action": request.path, "back_url": back_url}
        return render(request, "privacy/export_confirm.html", context)
    export = person_export(user=request.user, client=client, lead=lead)
    return FileResponse(
        export.file,
        as_attachment=True,
        filename=export.file_name,
        content_type="application/zip",
    )


def _contact_name(lead: Lead) -> str:
    name = f"{lead.contact_first_name} {lead.contact_last_name}".strip()
    return name or lead.contact_email or lead.contact_phone or lead.name


urlpatterns = [
    path("clients/<int:pk>/export/", client_export_view, name="client_export"),
    path("leads/<int:pk>/export/", lead_export_view, name="lead_export"),
]
