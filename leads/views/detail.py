"""One lead: the page with its header, actions and tabs. (Being built.)"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from leads.selectors import lead_get_for_user


@login_required
def lead_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(user=request.user, pk=pk)
    return render(request, "leads/lead_detail.html", {"lead": lead})


def _not_yet(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


lead_tab_view = lead_status_view = lead_fail_view = lead_reactivate_view = _not_yet
