"""Report figures, computed by SQL aggregation over the leads a user may see (the filter
form gives them: `reports.filters.ReportFilterForm.leads()`), one module per report."""

from .drilldown import drilldown_leads, drilldown_metrics
from .funnel import advisor_stats, failure_reasons, funnel_steps
from .repeat import repeat_by_month
from .sources import leads_by_source, source_metrics, source_months, source_summary
from .timing import leads_over_sla, response_times

__all__ = [
    "advisor_stats",
    "drilldown_leads",
    "drilldown_metrics",
    "failure_reasons",
    "funnel_steps",
    "leads_by_source",
    "leads_over_sla",
    "repeat_by_month",
    "response_times",
    "source_metrics",
    "source_months",
    "source_summary",
]
