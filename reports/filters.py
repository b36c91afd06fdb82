"""The filter panel every report shares: a date range on the lead's creation, branch,
investment, source and advisor, all in the URL (GET), applied to the leads a user may see."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from clients.models import LeadSource
from crm.core.dates import day_start
from crm.core.models import Branch, User
from investments.models import Investment
from leads.models import FailureReason, Lead, LeadStatus
from leads.selectors import leads_visible_to

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The days a report may start and end on: any lead Lejek holds, and far enough from the
# calendar's ends (years 1 and 9999) that no day or month arithmetic overflows.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
# A longer period is a report nobody reads that keeps a worker busy for seconds (an
# advisor's 2 000 years of months took 18 s and a 61 MB page).
MAX_YEARS = 5


def default_date_from(today: date | None = None) -> date:
    """The first day of the month eleven months ago: the last 12 months, this one included."""
    today = today or timezone.localdate()
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def earliest_start(end: date) -> date:
    """The first day a report ending on `end` may start on: MAX_YEARS years back."""
    try:
        back = end.replace(year=end.year - MAX_YEARS)
    except ValueError:  # 29 February, in a year without one
        back = end.replace(year=end.year - MAX_YEARS, day=28)
    return back + timedelta(days=1)


def _short(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("Created from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Created to"), required=False, widget=DATE_WIDGET)
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=_("all")
    )
    investment = forms.ModelChoiceField(
        label=_("Investment"),
        queryset=Investment.objects.order_by("name"),
        required=False,
        empty_label=_("all"),
    )
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=LeadSource.objects.all(), required=False, empty_label=_("all")
    )
    advisor = forms.ModelChoiceField(
        label=_("Advisor"), queryset=User.objects.none(), required=False, empty_label=_("all")
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

    def clean_date_from(self) -> date | None:
        return self._day_in_range("date_from")

    def clean_date_to(self) -> date | None:
        return self._day_in_range("date_to")

    def _day_in_range(self, name: str) -> date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                _("Choose a day between %(first)s and %(last)s.")
                % {"first": _short(FIRST_DAY), "last": _short(LAST_DAY)}
            )
        return day

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        elif start and end and start < (earliest := earliest_start(end)):
            self.add_error(
                "date_from",
                _("A report covers at most %(years)d years: choose a start on or after %(day)s.")
                % {"years": MAX_YEARS, "day": _short(earliest)},
            )
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
