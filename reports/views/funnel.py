"""The funnel report: statuses reached, failure reasons, advisors."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from crm.core.excel import Column

from ..charts import bar_chart
from ..filters import ReportFilterForm
from ..selectors import advisor_stats, failure_reasons, funnel_steps
from ..selectors.counting import CountedLeads, counted_leads
from ..selectors.sources import conversion
from ..tables import Cell, Table
from .base import drilldown_url, report_response


@login_required
def funnel_report_view(request: HttpRequest) -> HttpResponse:
    """Leads reaching each status, why leads failed, and each advisor's numbers."""
    return report_response(request, name="funnel", title=_("Funnel"), build=_build)


def _build(form: ReportFilterForm) -> dict:
    counted = counted_leads(form)
    steps = Table(
        _("Leads reaching each status"),
        [Column(_("Status"), 30), Column(_("Leads"), 10), Column(_("From previous step %"), 18)],
    )
    for step in funnel_steps(counted):
        url = drilldown_url(form, metric="reached", status=step["status"].pk)
        steps.rows.append(
            [Cell(step["status"].name), Cell(step["reached"], url), Cell(step["conversion"])]
        )
    reasons, by_status = _failure_tables(form, failure_reasons(counted))
    advisors = _advisor_table(form, counted)
    charts = [
        bar_chart(steps.title, [(r[0].value, r[1].value) for r in steps.rows], funnel=True),
        bar_chart(reasons.title, [(r[0].value, r[1].value) for r in reasons.rows]),
    ]
    return {"tables": [steps, reasons, by_status, advisors], "charts": charts}


def _failure_tables(form: ReportFilterForm, rows: list[dict]) -> tuple[Table, Table]:
    per_reason: Counter[tuple[int, str]] = Counter()
    by_status = Table(
        _("Failures by reason and status at failure"),
        [Column(_("Failure reason"), 28), Column(_("Status at failure"), 28), Column(_("Leads"))],
        empty=_("No failed leads for these filters."),
    )
    for row in rows:
        reason = (row["failure_reason_id"], row["failure_reason__name"])
        per_reason[reason] += row["count"]
        url = drilldown_url(form, metric="failed", reason=reason[0], status=row["status_id"])
        by_status.rows.append([Cell(reason[1]), Cell(row["status__name"]), Cell(row["count"], url)])
    total = sum(per_reason.values())
    reasons = Table(
        _("Failure reasons"),
        [Column(_("Failure reason"), 28), Column(_("Leads")), Column(_("Share %"))],
        empty=_("No failed leads for these filters."),
    )
    for (reason_id, name), count in per_reason.most_common():
        url = drilldown_url(form, metric="failed", reason=reason_id)
        reasons.rows.append([Cell(name), Cell(count, url), Cell(conversion(count, total))])
    if total:
        reasons.total = [
            Cell(str(_("Total"))),
            Cell(total, drilldown_url(form, metric="failed")),
            Cell(100.0),
        ]
    return reasons, by_status


def _advisor_table(form: ReportFilterForm, counted: CountedLeads) -> Table:
    user = form.user
    only = None if (user.is_administrator or user.is_manager) else user.pk
    table = Table(
        _("Advisors"),
        [
            Column(_("Advisor"), 26),
            Column(_("Leads")),
            Column(_("Won")),
            Column(_("Failed")),
            Column(_("Conversion %")),
            Column(_("Median time to first contact"), 18),
        ],
        empty=_("No leads for these filters."),
    )
    for row in advisor_stats(counted, only_user_id=only or _advisor_id(form)):
        table.rows.append(
            [
                Cell(row["name"]),
                Cell(row["leads"], drilldown_url(form, metric="leads", advisor=row["user_id"])),
                Cell(row["won"], drilldown_url(form, metric="won", advisor=row["user_id"])),
                Cell(row["failed"], drilldown_url(form, metric="failed", advisor=row["user_id"])),
                Cell(row["conversion"]),
                Cell(_rounded(row["median_first_contact"]), minutes=True),
            ]
        )
    return table


def _advisor_id(form: ReportFilterForm) -> int | None:
    advisor = form.cleaned_data.get("advisor")
    return advisor.pk if advisor else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
