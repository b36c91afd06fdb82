"""The lead app's forms, one module per sub-domain (`lead` for the lead itself)."""

from .lead import (
    BulkAction,
    EmployeeChoiceField,
    FailureForm,
    LeadBulkForm,
    LeadColumnsForm,
    LeadForm,
    StatusChangeForm,
    StatusSelect,
)

__all__ = [
    "BulkAction",
    "EmployeeChoiceField",
    "FailureForm",
    "LeadBulkForm",
    "LeadColumnsForm",
    "LeadForm",
    "StatusChangeForm",
    "StatusSelect",
]
