"""Views: the retention policy's dry run for administrators — who the monthly job would
anonymise now and why, and whom it keeps (an active lead, a contract, a legal hold). The
same list as `manage.py retention_report`; nothing is changed here."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from crm.core.params import whole_number
from privacy.selectors.retention import retention_cutoff, retention_entries
from settings_app.selectors import crm_settings

PER_PAGE = 100


@login_required
@require_safe
def retention_view(request: HttpRequest) -> HttpResponse:
    # Who may anonymise may see whom the policy would anonymise.
    if not request.user.has_perm("privacy.anonymise_person"):
        raise PermissionDenied
    entries = retention_entries()
    due = Counter(entry.kind for entry in entries if entry.due)
    page = Paginator(entries, PER_PAGE).get_page(whole_number(request.GET.get("page")) or 1)
    context = {
        "cutoff": retention_cutoff(),
        "months": crm_settings().retention_months,
        "page": page,
        "due_clients": due["client"],
        "due_inquiries": due["inquiry"],
        "kept": sum(1 for entry in entries if not entry.due),
    }
    return render(request, "privacy/retention.html", context)


urlpatterns = [path("retention/", retention_view, name="retention")]
