from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from leads.selectors import lead_status_counts

from ..charts import bar_chart
from ..selectors import leads_by_source


@login_required
def report_index_view(request: HttpRequest) -> HttpResponse:
    """The list of reports, with open leads by status and all leads by source."""
    statuses = lead_status_counts(user=request.user)
    sources = leads_by_source(user=request.user)
    # The same chart as the reports': legible on a phone, each bar with its number.
    chart = bar_chart(
        _("Open leads by status"), [(status.name, status.lead_count) for status in statuses]
    )
    context = {"statuses": statuses, "sources": sources, "chart": chart}
    return render(request, "reports/index.html", context)
