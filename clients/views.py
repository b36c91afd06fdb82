"""Client and contractor pages: lists with search and filters, details, add and edit.
Every page goes through the user-scoped selectors: what a user may not see is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from consents.selectors import consent_panels
from crm.core.forms import add_service_errors
from crm.core.listing import list_context

from .filters import client_filterset_for, contractors_matching
from .forms import ClientForm, ContractorForm
from .selectors import (
    client_get_for_user,
    client_is_visible_to,
    clients_with_list_columns,
    contractor_get_for_user,
    contractors_visible_to,
)
from .services import (
    DuplicateClients,
    client_create,
    client_update,
    contractor_create,
    contractor_update,
)

CLIENT_SORTS = {
    "first_name": ("first_name_folded",),
    "last_name": ("last_name_folded", "first_name_folded"),
    "company": ("company_name_folded",),
    "caretaker": ("caretaker__last_name", "caretaker__first_name"),
    "added": ("created_at",),
    "failed_at": ("failed_at",),
}
CLIENT_DEFAULT_SORT = "-added"  # newest first
CONTRACTOR_SORTS = {
    "name": ("name_folded",),
    "nip": ("nip",),
    "city": ("city",),
    "added": ("created_at",),
}


@login_required
def client_list_view(request: HttpRequest) -> HttpResponse:
    filterset = client_filterset_for(request)
    clients = clients_with_list_columns(filterset.qs)
    context = list_context(request, clients, CLIENT_SORTS, CLIENT_DEFAULT_SORT)
    context["filter"] = filterset
    return render(request, "clients/client_list.html", context)


@login_required
def client_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, pk=pk)
    context = {"client": client, "consents": consent_panels(clients=[client])}
    return render(request, "clients/client_detail.html", context)


@login_required
def client_create_view(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client = client_create(
                user=request.user, data=data, allow_duplicates_of=data["seen_duplicates"]
            )
        except DuplicateClients as duplicates:
            form.show_duplicates(duplicates.candidates)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Client “%(client)s” added.") % {"client": client})
            if client_is_visible_to(user=request.user, client=client):
                return redirect(client)
            # Added for a teammate: the advisor does not see it, so back to the list.
            return redirect("clients:list")
    return render(request, "clients/client_form.html", {"form": form})


@login_required
def client_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, pk=pk)
    title = str(client)  # validating the form changes the instance; the heading must not
    form = ClientForm(request.POST or None, instance=client, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            client = client_update(client=client, user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Client “%(client)s” saved.") % {"client": client})
            if client_is_visible_to(user=request.user, client=client):
                return redirect(client)
            return redirect("clients:list")
    context = {"form": form, "client": client, "title": title}
    return render(request, "clients/client_form.html", context)


@login_required
def contractor_list_view(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    contractors = contractors_matching(contractors_visible_to(request.user), search)
    context = list_context(request, contractors, CONTRACTOR_SORTS, "name")
    context["search"] = search
    return render(request, "clients/contractor_list.html", context)


@login_required
def contractor_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    contractor = contractor_get_for_user(user=request.user, pk=pk)
    return render(request, "clients/contractor_detail.html", {"contractor": contractor})


@login_required
def contractor_create_view(request: HttpRequest) -> HttpResponse:
    form = ContractorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contractor = contractor_create(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Contractor “%(name)s” added.") % {"name": contractor})
            return redirect(contractor)
    return render(request, "clients/contractor_form.html", {"form": form})


@login_required
def contractor_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    contractor = contractor_get_for_user(user=request.user, pk=pk)
    title = str(contractor)
    form = ContractorForm(request.POST or None, instance=contractor, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contractor = contractor_update(
                contractor=contractor, user=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Contractor “%(name)s” saved.") % {"name": contractor})
            return redirect(contractor)
    context = {"form": form, "contractor": contractor, "title": title}
    return render(request, "clients/contractor_form.html", context)
