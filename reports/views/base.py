"""What every report view shares: the filter form from the URL, the page, the export."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.core.forms import describe_filters
from crm.core.views import export_confirm_response

from ..exports import report_xlsx_response
from ..filters import ReportFilterForm, report_filter_for

Build = Callable[[ReportFilterForm], dict]


def report_response(
    request: HttpRequest, *, name: str, title, build: Build, template: str = "reports/report.html"
) -> HttpResponse:
    """The report page for the filters in the URL, or with ?format=xlsx its tables as an
    .xlsx file: a POST (the page's button, with the CSRF token) exports, a GET shows what
    will be exported and that button. Invalid filters show the form's errors and no
    numbers (never a 500)."""
    exporting = request.GET.get("format") == "xlsx"
    if request.method not in ("GET", "HEAD") and not (exporting and request.method == "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    form = report_filter_for(request)
    context = {"form": form, "title": title, "name": name, "tables": [], "charts": []}
    if form.is_valid():
        if exporting and request.method != "POST":
            # What the export holds, before anything is computed.
            return export_confirm_response(
                request,
                what=title,
                filters=describe_filters(form),
                back_url=f"{request.path}?{form.query()}",
                sheets=_("one per table of the report"),
            )
        with report_queries():
            context.update(build(form))
        if exporting:
            return report_xlsx_response(name=f"{name}-report", tables=context["tables"])
        # The export holds what is on screen: a paginated table's page too.
        shown = {"page": request.GET["page"]} if request.GET.get("page") else {}
        context["export_url"] = f"{request.path}?{form.query(format='xlsx', **shown)}"
    return render(request, template, context)


# The memory PostgreSQL may use for each sort and hash of a report's statements: its
# percentiles sort and its joins hash up to a million rows, which spill to disk in the
# default 4 MB. Set for the report's transaction only.
REPORT_WORK_MEM = "64MB"


@contextmanager
def report_queries() -> Iterator[None]:
    """A report's statements, in one read transaction with room to sort and hash."""
    # No savepoint inside a caller's transaction: nothing here is rolled back on its own.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # SET LOCAL both, in one statement. No JIT: PostgreSQL compiles a plan as
                # costly as a report's over a million leads, which took 0.3 s of a 0.4 s
                # query and then saved nothing.
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
                    [REPORT_WORK_MEM],
                )
        yield


def drilldown_url(form: ReportFilterForm, **params) -> str:
    """The link to the leads behind a number: the report's filters plus `params`."""
    return f"{reverse('reports:leads')}?{form.query(**params)}"


def month_bounds(month: date, start: date, end: date) -> dict[str, str]:
    """The filter dates of one month, cut to the report's period."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return {"date_from": max(month, start).isoformat(), "date_to": min(last, end).isoformat()}


def month_label(month: date) -> str:
    return f"{month:%m.%Y}"
