"""The report pages, one module per report."""

from .funnel import funnel_report_view
from .index import report_index_view
from .repeat import repeat_report_view
from .response_times import response_times_report_view
from .sources import report_leads_view, sources_report_view

__all__ = [
    "funnel_report_view",
    "repeat_report_view",
    "report_index_view",
    "report_leads_view",
    "response_times_report_view",
    "sources_report_view",
]
