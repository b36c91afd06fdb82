"""Reads scoped to a user, one module per sub-domain (`leads` for the lead list and page)."""

from .leads import (
    active_failure_reasons,
    active_statuses,
    capped_count,
    lead_get_for_user,
    lead_list,
    lead_status_counts,
    leads_visible_to,
    of_returning_customer,
    repeat_client_ids,
    with_list_columns,
)

__all__ = [
    "active_failure_reasons",
    "active_statuses",
    "capped_count",
    "lead_get_for_user",
    "lead_list",
    "lead_status_counts",
    "leads_visible_to",
    "of_returning_customer",
    "repeat_client_ids",
    "with_list_columns",
]
