from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from crm.core.pagination import paginate

from .selectors import client_get_for_user, clients_visible_to, contractors_visible_to


@login_required
def client_list_view(request: HttpRequest) -> HttpResponse:
    clients = clients_visible_to(request.user).select_related("caretaker", "branch", "source")
    return render(request, "clients/client_list.html", {"page": paginate(request, clients)})


@login_required
def client_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get_for_user(user=request.user, pk=pk)
    return render(request, "clients/client_detail.html", {"client": client})


@login_required
def contractor_list_view(request: HttpRequest) -> HttpResponse:
    contractors = contractors_visible_to(request.user)
    return render(request, "clients/contractor_list.html", {"page": paginate(request, contractors)})


@login_required
def contractor_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    contractor = get_object_or_404(contractors_visible_to(request.user), pk=pk)
    return render(request, "clients/contractor_detail.html", {"contractor": contractor})
