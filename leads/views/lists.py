from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.core.pagination import paginate
from leads.selectors import lead_get_for_user, lead_list


@login_required
def lead_list_view(request: HttpRequest) -> HttpResponse:
    page = paginate(request, lead_list(user=request.user))
    return render(request, "leads/lead_list.html", {"page": page})


@login_required
def lead_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(user=request.user, pk=pk)
    return render(request, "leads/lead_detail.html", {"lead": lead})


def _not_yet(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    from django.http import Http404

    raise Http404


lead_bulk_view = lead_columns_view = client_leads_partial_view = _not_yet
