"""The sources report, its month detail (the same page for one month) and the leads behind
each number."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.excel import Column
from leads.person import named_by_default

from ..charts import bar_chart, line_chart
from ..filters import DrilldownForm, ReportFilterForm, report_filter_for
from ..periods import months_between
from ..selectors import (
    drilldown_leads,
    drilldown_metrics,
    source_metrics,
    source_months,
    source_summary,
)
from ..selectors.counting import counted_leads
from ..selectors.sources import conversion
from ..tables import Cell, Table
from .base import (
    drilldown_url,
    month_bounds,
    month_label,
    report_response,
)

LEADS_PER_PAGE = 50


@login_required
def sources_report_view(request: HttpRequest) -> HttpResponse:
    """Per source, and sources × months, for the filters in the URL."""
    return report_response(request, name="sources", title=_("Sources"), build=_build)


def _build(form: ReportFilterForm) -> dict:
    counted = counted_leads(form)
    summary = _summary_table(form, source_summary(counted))
    months = months_between(*form.period)
    months_table, month_links, chart = _months_table(
        form, months, source_months(counted, months=months)
    )
    leads_chart = bar_chart(
        _("Leads by source"), [(row[0].value, row[1].value) for row in summary.rows]
    )
    return {
        "tables": [summary, months_table],
        "charts": [leads_chart, chart],
        "month_links": month_links,
    }


def _summary_table(form: ReportFilterForm, rows: list[dict]) -> Table:
    metrics = source_metrics()
    columns = [Column(_("Source"), 24)]
    columns += [Column(label, 14) for label, _condition in metrics.values()]
    columns.append(Column(_("Conversion %"), 14))
    table = Table(_("Leads by source"), columns, empty=_("No leads for these filters."))
    for row in rows:
        cells = [Cell(row["source__name"])]
        cells += [
            Cell(row[key], drilldown_url(form, metric=key, source=row["source_id"]))
            for key in metrics
        ]
        table.rows.append([*cells, Cell(row["conversion"])])
    if rows:
        sums = {key: sum(row[key] for row in rows) for key in metrics}
        cells = [Cell(str(_("Total")))]
        cells += [Cell(sums[key], drilldown_url(form, metric=key)) for key in metrics]
        table.total = [*cells, Cell(conversion(sums["won"], sums["leads"]))]
    return table


def _months_table(form: ReportFilterForm, months: list, rows: list[dict]):
    start, end = form.period
    sources: dict[int, str] = {}
    counts: dict[tuple[int, object], int] = {}
    for row in rows:
        sources[row["source_id"]] = row["source__name"]
        counts[row["source_id"], row["month"]] = row["leads"]
    columns = [Column(_("Source"), 24)] + [Column(month_label(m), 10) for m in months]
    table = Table(_("Leads by source and month"), [*columns, Column(_("Total"), 10)])
    table.empty = _("No leads for these filters.")
    bounds = {m: month_bounds(m, start, end) for m in months}
    for source_id, name in sorted(sources.items(), key=lambda item: item[1]):
        cells = [
            Cell(
                counts.get((source_id, m), 0),
                drilldown_url(form, metric="leads", source=source_id, **bounds[m]),
            )
            for m in months
        ]
        total = sum(cell.value for cell in cells)
        table.rows.append([Cell(name), *cells, Cell(total)])
    month_links = [
        {"label": month_label(m), "url": f"{reverse('reports:sources')}?{form.query(**bounds[m])}"}
        for m in months
    ]
    chart = line_chart(
        _("Leads by source and month"),
        [month_label(m) for m in months],
        [(row[0].value, [cell.value for cell in row[1:-1]]) for row in table.rows],
    )
    return table, month_links, chart


@login_required
def report_leads_view(request: HttpRequest) -> HttpResponse:
    """The leads behind one number of a report (?metric=...[&status=..&reason=..]&<filters>)."""
    form, choice = report_filter_for(request), DrilldownForm(request.GET)
    valid = form.is_valid() and choice.is_valid()
    params = choice.query() if valid else {}
    leads = form.leads() if valid else form.leads().none()
    leads = drilldown_leads(
        leads, metric=params.get("metric", ""), status=_chosen(choice, "status"),
        reason=_chosen(choice, "reason"),
    )  # fmt: skip
    page = Paginator(
        # The client first (issue 19): the page's clients in one query, the default name told
        # by the lead's own query.
        leads.select_related("status", "source", "failure_reason")
        .prefetch_related("clients")
        .annotate(name_is_default=named_by_default())
        .order_by("-created_at", "-pk"),
        LEADS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    label = drilldown_metrics().get(params.get("metric"), _("Leads"))
    context = {"form": form, "choice": choice, "page": page, "label": label, "params": params}
    context["page_query"] = form.query(**params) if valid else ""
    return render(request, "reports/leads.html", context)


def _chosen(choice: DrilldownForm, name: str):
    return choice.cleaned_data.get(name) if choice.is_valid() else None
