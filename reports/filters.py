"""The filter panel every report shares: a date range on the lead's creation, branch,
investment, source and advisor, all in the URL (GET), applied to the leads a user may see."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import LeadSource
from crm.core.dates import day_start
from crm.core.models import Branch, User
from investments.models import Investment
from leads.models import FailureReason, Lead, LeadStatus
from leads.selectors import leads_visible_to

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def default_date_from(today: date | None = None) -> date:
    """The first day of the month eleven months ago: the last 12 months, this one included."""
    today = today or timezone.localdate()
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("Created from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Created to"), required=False, widget=DATE_WIDGET)
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False
    )
    investment = forms.ModelChoiceField(
        label=_("Investment"), queryset=Investment.objects.order_by("name"), required=False
    )
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=LeadSource.objects.all(), required=False
    )
    advisor = forms.ModelChoiceField(
        label=_("Advisor"), queryset=User.objects.none(), required=False
    )

    def __init__(self, data=None, *, user: User, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        advisors = User.objects.filter(is_active=True).order_by("last_name", "first_name")
        if user.is_administrator:
            self.fields["branch"].queryset = Branch.objects.order_by("name")
        elif user.is_manager:
            # A manager's scope is one branch: the field shows it, for the record.
            self.fields["branch"].queryset = Branch.objects.filter(pk=user.branch_id)
            advisors = advisors.filter(branch_id=user.branch_id)
        else:
            del self.fields["branch"]
            advisors = advisors.filter(pk=user.pk)
        self.fields["advisor"].queryset = advisors

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned

    @property
    def period(self) -> tuple[date, date]:
        """The chosen range (both ends included), defaults filled in; valid forms only."""
        data = self.cleaned_data
        return (
            data.get("date_from") or default_date_from(),
            data.get("date_to") or timezone.localdate(),
        )

    def leads(self) -> QuerySet[Lead]:
        """The user's visible leads narrowed by the filters (deleted ones included: each
        report decides about them). An invalid form gives no leads."""
        leads = leads_visible_to(self.user)
        if not self.is_valid():
            return leads.none()
        start, end = self.period
        leads = leads.filter(
            created_at__gte=day_start(start), created_at__lt=day_start(end + timedelta(days=1))
        )
        data = self.cleaned_data
        if data.get("branch"):
            leads = leads.filter(branch=data["branch"])
        if data.get("source"):
            leads = leads.filter(source=data["source"])
        if data.get("investment"):
            leads = leads.filter(
                pk__in=Lead.investments.through.objects.filter(
                    investment=data["investment"]
                ).values("lead_id")
            )
        if data.get("advisor"):
            leads = leads.filter(
                pk__in=Lead.employees.through.objects.filter(user=data["advisor"]).values("lead_id")
            )
        return leads

    def query(self, **overrides) -> str:
        """The URL query of these filters (valid forms only), with some values replaced:
        drill-down links keep the report's filters."""
        params = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            params[name] = value.isoformat() if isinstance(value, date) else value.pk
        params.update({key: value for key, value in overrides.items() if value is not None})
        return urlencode(params)


def report_filter_for(request) -> ReportFilterForm:
    """The filter form bound to the request's GET parameters; a missing date range is the
    last 12 months, shown in the form as if chosen."""
    data = request.GET.copy()
    if not data.get("date_from"):
        data["date_from"] = default_date_from().isoformat()
    if not data.get("date_to"):
        data["date_to"] = timezone.localdate().isoformat()
    return ReportFilterForm(data, user=request.user)


class DrilldownForm(forms.Form):
    """Which number's leads to list: the metric, and for some a status or failure reason."""

    metric = forms.CharField(required=False)
    status = forms.ModelChoiceField(queryset=LeadStatus.objects.all(), required=False)
    reason = forms.ModelChoiceField(queryset=FailureReason.objects.all(), required=False)

    def query(self) -> dict:
        """These choices as URL parameters (valid forms only)."""
        data = self.cleaned_data
        params = {"metric": data.get("metric") or "leads"}
        for name in ("status", "reason"):
            if data.get(name):
                params[name] = data[name].pk
        return params
