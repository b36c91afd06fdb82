"""The unit catalogue: investments with their unit counts, and an investment's units.
Every employee sees it; creating and editing is for administrators in Django admin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.core.listing import list_context

from .forms import UnitFilterForm
from .models import UnitStatus
from .selectors import investment_get, investment_list, investment_units, unit_counts_by_status

INVESTMENT_SORTS = {"name": ("name",), "city": ("city",), "units": ("unit_count",)}
UNIT_SORTS = {
    "number": ("number",),
    "rooms": ("rooms",),
    "area": ("area",),
    "floor": ("floor",),
    "price": ("list_price",),
    "status": ("status",),
}


@login_required
def investment_list_view(request: HttpRequest) -> HttpResponse:
    context = list_context(request, investment_list(), INVESTMENT_SORTS, "name")
    return render(request, "investments/investment_list.html", context)


@login_required
def investment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    investment = investment_get(pk=pk)
    form = UnitFilterForm(request.GET)
    units = investment_units(investment=investment, **form.selector_arguments())
    context = list_context(request, units, UNIT_SORTS, "number")
    counts = unit_counts_by_status(investment=investment)
    context.update(
        investment=investment,
        filter_form=form,
        status_counts=[(UnitStatus(value), count) for value, count in counts.items()],
        unit_total=sum(counts.values()),
    )
    return render(request, "investments/investment_detail.html", context)
