"""Excel export of the lead list as the user filtered it (GET with the list's query
string), scoped to what the user may see; needs the export permission."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from crm.core.views import export_view
from leads.exports import LEAD_EXPORT, lead_export_file_name, leads_for_export, write_leads_xlsx
from leads.tasks import run_lead_export


@login_required
@require_GET
def lead_export_view(request: HttpRequest) -> HttpResponse:
    return export_view(
        request,
        rows=leads_for_export(user=request.user, query=request.GET.urlencode()),
        write=write_leads_xlsx,
        file_name=lead_export_file_name(),
        kind=LEAD_EXPORT,
        task=run_lead_export,
        back_url=reverse("leads:list"),
    )
