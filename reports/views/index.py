from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leads.selectors import lead_status_counts

from ..selectors import leads_by_source


@login_required
def report_index_view(request: HttpRequest) -> HttpResponse:
    """The list of reports, with open leads by status and all leads by source."""
    statuses = lead_status_counts(user=request.user)
    sources = leads_by_source(user=request.user)
    peak = max([status.lead_count for status in statuses] + [1])
    context = {"statuses": statuses, "sources": sources, "peak": peak}
    return render(request, "reports/index.html", context)
