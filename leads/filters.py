"""The lead list's filter panel (django-filter). The list, the kanban and the export share
it, so the same URL parameters mean the same leads everywhere."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import LeadSource
from consents.selectors import consent_filter_choices, lead_granted_q
from crm.core.filters import IdFilter, IdListFilter, NamedControlsMixin
from crm.core.models import Branch, User
from crm.core.widgets import ChoicePicker
from investments.models import Investment
from leads.models import Activity, BoardEntry, IntakeOutcome, Lead, LeadStatus
from leads.search import search_leads
from leads.selectors import leads_visible_to

ARCHIVED_ONLY = "only"
ARCHIVED_ALL = "all"
YES_NO = [("", _("all")), ("true", _("yes")), ("false", _("no"))]


def _yes_no_filter(label, **kwargs) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(label=label, widget=forms.Select(choices=YES_NO), **kwargs)


def _date_range_filter(field_name: str, label) -> django_filters.DateFromToRangeFilter:
    return django_filters.DateFromToRangeFilter(
        field_name=field_name,
        label=label,
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )


def planned_activity_exists() -> Exists:
    """True for a lead with a conversation still planned (its next step)."""
    return Exists(Activity.objects.filter(lead=OuterRef("pk"), done_at__isnull=True))


def overdue_activity_exists() -> Exists:
    """True for a lead with a planned conversation in the past, not done."""
    return Exists(
        Activity.objects.filter(
            lead=OuterRef("pk"), done_at__isnull=True, planned_at__lt=timezone.now()
        )
    )


class LeadFilter(NamedControlsMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.SearchInput(
            attrs={"placeholder": _("Name, client, email, phone, PESEL, NIP…")}
        ),
    )
    # distinct=False: a lead has one status and one source, and DISTINCT over every column
    # (the JSON payload too) would turn a 1 ms page query into a sort of the whole result.
    status = django_filters.ModelMultipleChoiceFilter(
        label=_("Status"),
        distinct=False,
        queryset=LeadStatus.objects.filter(active=True),
        widget=ChoicePicker,
    )
    source = django_filters.ModelMultipleChoiceFilter(
        label=_("Source"),
        distinct=False,
        queryset=LeadSource.objects.all(),
        widget=ChoicePicker,
    )
    employee = django_filters.ModelMultipleChoiceFilter(
        label=_("Employee"),
        queryset=User.objects.none(),
        method="filter_employee",
        widget=ChoicePicker,
    )
    investment = django_filters.ModelMultipleChoiceFilter(
        label=_("Investment"),
        queryset=Investment.objects.all(),
        method="filter_investment",
        widget=ChoicePicker,
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"), queryset=Branch.objects.all(), empty_label=_("all")
    )
    created = _date_range_filter("created_at", _("Created"))
    updated = _date_range_filter("updated_at", _("Updated"))
    failed = _yes_no_filter(_("Failure"), method="filter_failed")
    repeat = _yes_no_filter(_("Repeat lead"), field_name="is_repeat")
    returning = _yes_no_filter(_("Returning customer"), method="filter_returning")
    outcome = django_filters.ChoiceFilter(
        label=_("Intake outcome"),
        field_name="intake_outcome",
        choices=IntakeOutcome.choices,
        empty_label=_("all"),
    )
    consent = django_filters.ChoiceFilter(
        label=_("Consent"),
        choices=consent_filter_choices,
        method="filter_consent",
        empty_label=_("all"),
    )
    no_next_step = _yes_no_filter(_("No next step"), method="filter_no_next_step")
    overdue = _yes_no_filter(_("Overdue"), method="filter_overdue")
    # Archived leads are out of sight by default (the empty choice); "only" shows just them
    # and "all" both. The reports count them whatever this says.
    archived = django_filters.ChoiceFilter(
        label=pgettext_lazy("lead filter", "Archive"),
        choices=[(ARCHIVED_ONLY, _("only archived")), (ARCHIVED_ALL, _("all"))],
        empty_label=_("not archived"),
        method="filter_archived",
    )
    # The leads of one import (?import_batch=<id>), linked from the import's page; a hidden
    # field: a select of every import would cost the panel a query. The leads stay those
    # the user may see.
    import_batch = IdFilter(
        label=_("Import"), field_name="import_batch_id", widget=forms.HiddenInput
    )
    # Not in the panel: the client page's "all leads of this client" link and the export of
    # selected rows (?id=3,5,8).
    client = IdFilter(label=_("Client"), method="filter_client", widget=forms.HiddenInput)
    id = IdListFilter(label=_("Selected leads"), field_name="pk", widget=forms.HiddenInput)

    class Meta:
        model = Lead
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = request.user if request is not None else None
        employees = User.objects.filter(is_active=True)
        if user is not None and not user.is_administrator:
            employees = employees.filter(branch_id=user.branch_id)
            del self.filters["branch"]  # only administrators see more than one branch
        self.filters["employee"].queryset = employees

    def filter_queryset(self, queryset: QuerySet[Lead]) -> QuerySet[Lead]:
        # Ids that cannot be read (?id=abc) select no lead, not every lead: the export of
        # "the selected rows" must not become the export of all of them. A form-wide error
        # ("__all__") names no filter.
        if any(isinstance(self.filters.get(name), IdFilter) for name in self.form.errors):
            return queryset.none()
        # Deleted inquiries stay out of sight unless asked for by their outcome.
        if self.form.cleaned_data.get("outcome") != IntakeOutcome.DELETED:
            queryset = queryset.not_deleted()
        # So do archived leads, unless the archive filter asks for them.
        if not self.form.cleaned_data.get("archived"):
            queryset = queryset.not_archived()
        return super().filter_queryset(queryset)

    def filter_search(self, queryset, name, value):
        return search_leads(queryset, value)

    def filter_employee(self, queryset, name, value):
        # From the employees' board entries, narrowed to the chosen statuses: one index
        # yields just the matching leads instead of all of the employees'.
        if not value:
            return queryset
        entries = BoardEntry.objects.filter(employee__in=value)
        if statuses := self.form.cleaned_data.get("status"):
            entries = entries.filter(status__in=statuses)
        return queryset.filter(pk__in=entries.values("lead_id"))

    def filter_investment(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Lead.investments.through.objects.filter(investment__in=value).values("lead_id")
        )

    def filter_client(self, queryset, name, value):
        return queryset.filter(
            pk__in=Lead.clients.through.objects.filter(client_id=value).values("lead_id")
        )

    def filter_failed(self, queryset, name, value):
        return queryset.filter(failed_at__isnull=not value)

    def filter_returning(self, queryset, name, value):
        return queryset.filter(of_returning_customer=bool(value))

    def filter_consent(self, queryset, name, value):
        # A lead whose client, or whose inquiry's contact without a client, has it now.
        return queryset.filter(lead_granted_q(value))

    def filter_no_next_step(self, queryset, name, value):
        if value:
            return queryset.open().exclude(planned_activity_exists())
        return queryset.filter(planned_activity_exists())

    def filter_overdue(self, queryset, name, value):
        # An open lead whose next step (a planned conversation not done) is in the past.
        if value:
            return queryset.open().filter(overdue_activity_exists())
        return queryset.exclude(overdue_activity_exists())

    def filter_archived(self, queryset, name, value):
        # The default (not archived) is applied in filter_queryset, which sees no value.
        if value == ARCHIVED_ONLY:
            return queryset.filter(archived_at__isnull=False)
        return queryset

    @property
    def board_employee(self) -> User | None:
        """The employee whose board entries are exactly these leads, if any: an advisor
        (who sees only their own leads) with no filter set."""
        user = self.request.user if self.request is not None else None
        if user is None or user.is_administrator or user.is_manager or self.active_count:
            return None
        return user

    @property
    def active_count(self) -> int:
        """How many filters (search included) the URL sets, for the panel's badge."""
        given = {key for key, values in self.data.lists() if any(value for value in values)}
        # A date range arrives as <name>_after / <name>_before.
        return sum(
            1
            for name in self.filters
            if name in given or f"{name}_after" in given or f"{name}_before" in given
        )


def lead_filterset_for(request) -> LeadFilter:
    """The filter panel bound to the request's parameters, over the leads the user may see."""
    return LeadFilter(request.GET, queryset=leads_visible_to(request.user), request=request)
