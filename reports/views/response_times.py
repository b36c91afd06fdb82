"""The response times report and the leads over the first-contact SLA."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.excel import Column
from leads.person import lead_title
from settings_app.selectors import crm_settings

from ..charts import bar_chart
from ..filters import ReportFilterForm
from ..selectors import leads_over_sla, response_times
from ..tables import Cell, Table
from .base import report_response

SLA_PER_PAGE = 25


@login_required
def response_times_report_view(request: HttpRequest) -> HttpResponse:
    """Median and 90th percentile minutes of each response span, and the leads over the
    first-contact SLA (paginated; the export holds the page shown)."""

    def build(form: ReportFilterForm) -> dict:
        return _build(form, page_number=request.GET.get("page"))

    return report_response(
        request,
        name="response-times",
        title=_("Response times"),
        build=build,
        template="reports/response_times.html",
    )


def _build(form: ReportFilterForm, *, page_number) -> dict:
    leads = form.leads()
    times = Table(
        _("Response times"),
        [
            Column(_("Span"), 36),
            Column(_("Leads measured"), 14),
            Column(_("Median"), 10),
            Column(_("90th percentile"), 14),
        ],
    )
    for row in response_times(leads):
        times.rows.append(
            [
                Cell(str(row["label"])),
                Cell(row["count"]),
                Cell(row["median"], minutes=True),
                Cell(row["p90"], minutes=True),
            ]
        )
    sla = crm_settings().sla_first_contact_minutes
    page = Paginator(leads_over_sla(leads, minutes=sla), SLA_PER_PAGE).get_page(page_number)
    over = Table(
        _("Leads over the first-contact SLA"),
        [
            Column(_("Lead"), 30),
            Column(_("Source"), 16),
            Column(_("Status"), 20),
            Column(_("Created"), 17),
            Column(_("First conversation"), 17),
            Column(_("Time to first contact"), 12),
        ],
        empty=_("No lead waited longer than the SLA."),
    )
    now = timezone.now()
    for lead in page:
        waited = ((lead.first_contact_at or now) - lead.created_at).total_seconds() // 60
        over.rows.append(
            [
                Cell(lead_title(lead, lead.clients.all()), lead.get_absolute_url()),
                Cell(lead.source.name),
                Cell(lead.status.name),
                Cell(lead.created_at),
                Cell(lead.first_contact_at),
                Cell(int(waited), minutes=True),
            ]
        )
    chart = bar_chart(
        _("Median response time"),
        [(row[0].value, row[2].value) for row in times.rows],
        minutes=True,
    )
    return {"tables": [times, over], "charts": [chart], "page": page, "sla": sla}
