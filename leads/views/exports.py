"""Excel export of the lead list as the user filtered it (the list's query string),
scoped to what the user may see; needs the export permission. A GET shows what will be
exported; the export itself is a POST (the list's button, the bulk action)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.core.views import export_view
from leads.exports import (
    LEAD_EXPORT,
    lead_export_file_name,
    lead_export_filters,
    lead_export_filterset,
    lead_export_rows,
    write_leads_xlsx,
)
from leads.tasks import run_lead_export


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead_export_view(request: HttpRequest) -> HttpResponse:
    return lead_export_response(request, query=request.GET.urlencode())


def lead_export_response(request: HttpRequest, *, query: str) -> HttpResponse:
    """The export of the leads the list's `query` gives (also the bulk action's)."""
    lead_filter = lead_export_filterset(user=request.user, query=query)
    return export_view(
        request,
        what=_("Leads"),
        query=query,
        rows=lead_export_rows(lead_filter),
        describe=lambda: lead_export_filters(user=request.user, form=lead_filter.form),
        write=write_leads_xlsx,
        file_name=lead_export_file_name(),
        kind=LEAD_EXPORT,
        task=run_lead_export,
        back_url=reverse("leads:list"),
    )
