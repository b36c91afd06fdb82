"""The repeat customers report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from crm.core.excel import Column

from ..charts import line_chart
from ..filters import ReportFilterForm
from ..periods import months_between
from ..selectors import repeat_by_month
from ..selectors.counting import counted_leads
from ..tables import Cell, Table
from .base import (
    drilldown_url,
    month_bounds,
    month_label,
    report_response,
)


@login_required
def repeat_report_view(request: HttpRequest) -> HttpResponse:
    """Per month: the share of repeat leads and of leads of returning customers."""
    return report_response(request, name="repeat", title=_("Repeat customers"), build=_build)


def _build(form: ReportFilterForm) -> dict:
    start, end = form.period
    months = months_between(start, end)
    by_month = {row["month"]: row for row in repeat_by_month(counted_leads(form), months=months)}
    table = Table(
        _("Repeat leads and returning customers by month"),
        [
            Column(_("Month"), 10),
            Column(_("Leads")),
            Column(_("Repeat leads")),
            Column(_("Repeat %")),
            Column(_("Returning customers"), 18),
            Column(_("Returning %"), 14),
        ],
    )
    for month in months:
        row = by_month.get(month, {})
        bounds = month_bounds(month, start, end)
        table.rows.append(
            [
                Cell(month_label(month)),
                Cell(row.get("leads", 0), drilldown_url(form, metric="leads", **bounds)),
                Cell(row.get("repeat", 0), drilldown_url(form, metric="repeat", **bounds)),
                Cell(row.get("repeat_share")),
                Cell(row.get("returning", 0), drilldown_url(form, metric="returning", **bounds)),
                Cell(row.get("returning_share")),
            ]
        )
    chart = line_chart(
        _("Share of repeat leads and returning customers (%)"),
        [row[0].value for row in table.rows],
        [
            (str(_("Repeat %")), [row[3].value for row in table.rows]),
            (str(_("Returning %")), [row[5].value for row in table.rows]),
        ],
    )
    return {"tables": [table], "charts": [chart]}
