"""Forms of the lead list: the bulk actions and the column chooser."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.models import User
from leads.models import LeadStatus
from leads.tables import PAGE_SIZES, column_labels


class BulkAction:
    ADD_EMPLOYEE = "add_employee"
    CHANGE_STATUS = "change_status"
    EXPORT = "export"


class LeadBulkForm(forms.Form):
    selected = forms.TypedMultipleChoiceField(coerce=int, choices=())
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (BulkAction.CHANGE_STATUS, _("Change status")),
            (BulkAction.ADD_EMPLOYEE, _("Assign an employee")),
            (BulkAction.EXPORT, _("Export to Excel")),
        ],
    )
    status = forms.ModelChoiceField(
        label=_("New status"), queryset=LeadStatus.objects.filter(active=True), required=False
    )
    employee = forms.ModelChoiceField(
        label=_("Employee"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        employees = User.objects.filter(is_active=True)
        if not user.is_administrator:
            employees = employees.filter(branch_id=user.branch_id)
        self.fields["employee"].queryset = employees
        if not user.has_perm("leads.reassign_lead"):
            self.fields["action"].choices = [
                choice
                for choice in self.fields["action"].choices
                if choice[0] != BulkAction.ADD_EMPLOYEE
            ]
        if not user.has_perm("leads.export_lead"):
            self.fields["action"].choices = [
                choice for choice in self.fields["action"].choices if choice[0] != BulkAction.EXPORT
            ]
        # Any id is accepted here; the view keeps only the leads the user may see.
        self.fields["selected"].choices = (
            [(value, value) for value in self.data.getlist("selected") if value.isdigit()]
            if self.is_bound
            else []
        )

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == BulkAction.CHANGE_STATUS and not cleaned.get("status"):
            self.add_error("status", _("Choose the new status."))
        if action == BulkAction.ADD_EMPLOYEE and not cleaned.get("employee"):
            self.add_error("employee", _("Choose the employee."))
        return cleaned


class LeadColumnsForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=_("Columns"), choices=column_labels, widget=forms.CheckboxSelectMultiple
    )
    per_page = forms.TypedChoiceField(
        label=_("Rows per page"),
        coerce=int,
        choices=[(size, size) for size in PAGE_SIZES],
    )
