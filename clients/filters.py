"""The client list's filter panel and search box (django-filter). The list and the export
share it, so the same URL parameters mean the same clients everywhere."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from consents.selectors import consent_filter_choices, granted_exists
from crm.core.filters import NamedControlsMixin
from crm.core.models import Branch, User
from crm.core.normalization import fold_name, normalize_email, phone_search_key
from crm.core.widgets import ChoicePicker

from .models import Client, Contractor, LeadSource
from .selectors import clients_visible_to, is_returning_customer

YES_NO = [("", _("any")), ("true", _("yes")), ("false", _("no"))]
_NUMBER_LIKE = re.compile(r"^[\d\s()+\-./]+$")


def is_number_like(term: str) -> bool:
    """A search term that is a number (phone, PESEL, NIP...) rather than a name."""
    return bool(_NUMBER_LIKE.match(term)) and sum(ch.isdigit() for ch in term) >= 5


def client_search_condition(term: str) -> Q:
    """Clients matching the search box: first, last or company name (diacritics folded,
    "Elzbieta" finds "Elżbieta"), email, phone in any format, PESEL or accounting id.

    A number-like term is looked up exactly in the indexed normalised columns; any other
    term matches the start of the folded names, or the email when it holds an "@".
    """
    term = " ".join(term.split())
    # Accounting ids carry digits ("SYM-0042"); a plain word is never one.
    condition = Q(accounting_id=term) if any(ch.isdigit() for ch in term) else Q(pk__in=[])
    if is_number_like(term):
        phone = phone_search_key(term)
        if phone:
            condition |= Q(phone_e164=phone)
        digits = re.sub(r"\D", "", term)
        if len(digits) == 11:
            condition |= Q(pesel=digits)
        return condition
    if "@" in term:
        return condition | Q(email_normalized__startswith=normalize_email(term))
    folded = fold_name(term)
    condition |= (
        Q(email_normalized__startswith=normalize_email(term))
        | Q(last_name_folded__startswith=folded)
        | Q(first_name_folded__startswith=folded)
        | Q(company_name_folded__startswith=folded)
    )
    words = folded.split()
    if len(words) == 2:
        # "Elzbieta Turza" or "Turza Elzbieta".
        first, second = words
        condition |= Q(first_name_folded=first, last_name_folded__startswith=second)
        condition |= Q(last_name_folded=first, first_name_folded__startswith=second)
    return condition


def contractor_search_condition(term: str) -> Q:
    """Contractors matching the search box: name (folded), NIP, KRS, REGON, email, phone."""
    term = " ".join(term.split())
    if is_number_like(term):
        digits = re.sub(r"\D", "", term)
        condition = Q(nip=digits) | Q(krs=digits) | Q(regon=digits)
        phone = phone_search_key(term)
        if phone:
            condition |= Q(phone_e164=phone)
        return condition
    if "@" in term:
        return Q(email_normalized__startswith=normalize_email(term))
    return Q(name_folded__contains=fold_name(term))


class ClientFilter(NamedControlsMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.SearchInput(attrs={"placeholder": _("Name, email, phone, PESEL…")}),
    )
    # distinct=False: a client has one caretaker and one source, no row can repeat.
    caretaker = django_filters.ModelMultipleChoiceFilter(
        label=_("Caretaker"), queryset=User.objects.none(), distinct=False, widget=ChoicePicker
    )
    source = django_filters.ModelMultipleChoiceFilter(
        label=_("Source"), queryset=LeadSource.objects.all(), distinct=False, widget=ChoicePicker
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"), queryset=Branch.objects.all(), empty_label=_("all")
    )
    failed = django_filters.BooleanFilter(label=_("Failure"), widget=forms.Select(choices=YES_NO))
    returning = django_filters.BooleanFilter(
        label=_("Returning customer"),
        method="filter_returning",
        widget=forms.Select(choices=YES_NO),
    )
    consent = django_filters.ChoiceFilter(
        label=_("Consent"),
        choices=consent_filter_choices,
        method="filter_consent",
        empty_label=_("all"),
    )
    added = django_filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Added"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Client
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = request.user if request is not None else None
        employees = User.objects.filter(is_active=True)
        if user is not None and not user.is_administrator:
            employees = employees.filter(branch_id=user.branch_id)
            del self.filters["branch"]  # only administrators see more than one branch
        self.filters["caretaker"].queryset = employees.order_by("last_name", "first_name")

    def filter_returning(self, queryset: QuerySet[Client], name: str, value: bool):
        return queryset.filter(is_returning_customer() if value else ~is_returning_customer())

    def filter_consent(self, queryset: QuerySet[Client], name: str, value: str):
        return queryset.filter(granted_exists(value))

    def filter_search(self, queryset: QuerySet[Client], name: str, value: str):
        if not value.strip():
            return queryset
        return queryset.filter(client_search_condition(value))

    @property
    def active_count(self) -> int:
        """How many filters of the panel (the search box aside) the user has set: the
        panel opens by itself when some are."""
        if not self.is_bound:
            return 0
        self.form.is_valid()
        cleaned = getattr(self.form, "cleaned_data", {})
        return sum(
            1
            for name, value in cleaned.items()
            if name != "q" and value not in (None, "", slice(None)) and not _empty(value)
        ) + sum(1 for name in self.form.errors if name != "q")


def _empty(value) -> bool:
    """An empty choice of several (a list, or a model choice's empty queryset)."""
    return isinstance(value, (list, tuple, QuerySet)) and not value


def client_filterset_for(request) -> ClientFilter:
    """The filter panel bound to the request's parameters, over the clients the user may
    see."""
    return ClientFilter(request.GET, queryset=clients_visible_to(request.user), request=request)


def contractors_matching(contractors: QuerySet[Contractor], term: str) -> QuerySet[Contractor]:
    """Narrow contractors to those matching the search box text."""
    if not term.strip():
        return contractors
    return contractors.filter(contractor_search_condition(term))
