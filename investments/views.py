from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.core.pagination import paginate

from .selectors import investment_get, investment_list, investment_units


@login_required
def investment_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request, "investments/investment_list.html", {"page": paginate(request, investment_list())}
    )


@login_required
def investment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    investment = investment_get(pk=pk)
    units = paginate(request, investment_units(investment=investment), per_page=50)
    return render(
        request, "investments/investment_detail.html", {"investment": investment, "page": units}
    )
