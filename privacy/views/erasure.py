"""Views: the anonymisation of a person (RODO art. 17), for a client (with their leads) and
for the contact of an inquiry without a client.

The URL opened with a GET shows what will be removed and what a legal hold keeps, with a
box to tick; the POST anonymises (privacy.services.anonymisation). A user who may not open
the client or the lead gets 404; one who may, without privacy.anonymise_person, 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clients.models import Client
from clients.selectors import client_get_for_user
from leads.models import Lead
from leads.selectors import lead_get_for_user
from privacy.forms.erasure import ErasureConfirmForm
from privacy.selectors.erasure import erasure_preview
from privacy.services.anonymisation import person_anonymise

ANONYMISE_PERMISSION = "privacy.anonymise_person"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def client_anonymise_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, pk=pk)
    return _anonymise(request, client=client, back_url=client.get_absolute_url())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead_anonymise_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An inquiry's contact. Once the inquiry has a client, it is the client who is
    anonymised (with the inquiry): the page points there."""
    lead = lead_get_for_user(user=request.user, pk=pk)
    return _anonymise(request, lead=lead, back_url=lead.get_absolute_url())


def _anonymise(
    request: HttpRequest, *, back_url: str, client: Client | None = None, lead: Lead | None = None
) -> HttpResponse:
    if not request.user.has_perm(ANONYMISE_PERMISSION):
        raise PermissionDenied
    clients = list(lead.clients.all()) if lead is not None else []
    form = ErasureConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not clients and form.is_valid():
        result = person_anonymise(client=client, lead=lead, user=request.user)
        if not result.changed:
            messages.info(request, _("There was nothing left to anonymise."))
        elif result.held_until:
            messages.success(
                request,
                _("Anonymised. The contract data is kept under a legal hold until %(date)s.")
                % {"date": result.held_until.strftime("%d.%m.%Y")},
            )
        else:
            messages.success(request, _("Anonymised."))
        return redirect(back_url)
    context = {
        "person": client if client is not None else lead,
        "anonymised_at": (client or lead).anonymised_at,
        "clients": clients,
        "preview": None if clients else erasure_preview(client=client, lead=lead),
        "form": form,
        "action": request.path,
        "back_url": back_url,
    }
    return render(request, "privacy/erasure_confirm.html", context)


urlpatterns = [
    path("clients/<int:pk>/anonymise/", client_anonymise_view, name="client_anonymise"),
    path("leads/<int:pk>/anonymise/", lead_anonymise_view, name="lead_anonymise"),
]
