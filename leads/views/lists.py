"""The lead list: table, filters and search in the URL, column chooser, bulk actions."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from clients.selectors import client_get_for_user
from crm.core.listing import PAGE_SIZES, page_size_refusal, requested_page_size
from crm.core.pagination import paginate_table
from crm.core.services import saved_view_set_columns, user_save_list_preferences
from leads.filters import ARCHIVED_ALL, lead_filterset_for
from leads.forms import BulkAction, LeadBulkForm, LeadColumnsForm
from leads.selectors import capped_count, leads_visible_to, with_list_columns
from leads.services.archive import leads_archive, leads_unarchive
from leads.services.bulk import leads_add_employee, leads_change_status
from leads.tables import (
    DEFAULT_SORT,
    OPTIONAL_COLUMNS,
    LeadTable,
    compact_lead_table,
    sort_choices,
)
from leads.view_switch import GRID, list_view_of, view_url
from leads.views.exports import lead_export_response
from leads.views.saved_views import lead_views_context, list_columns, open_view_of

LIST_NAME = "leads"
COUNT_CAP = 1_000


def _per_page(request: HttpRequest) -> int:
    saved = (request.user.ui_preferences or {}).get(LIST_NAME, {})
    return requested_page_size(request) or saved.get("per_page", PAGE_SIZES[0])


@login_required
def lead_list_view(request: HttpRequest) -> HttpResponse:
    filterset = lead_filterset_for(request)
    view = list_view_of(request)
    per_page = _per_page(request)
    views = lead_views_context(
        request,
        view,
        kept=[("per_page", per_page)] + ([("view", view)] if view == GRID else []),
        clear_url=view_url(view),
    )
    columns = list_columns(request.user, views["active_view"])
    hidden = [name for name in OPTIONAL_COLUMNS if name not in columns]
    table = LeadTable(with_list_columns(filterset.qs), exclude=hidden)
    RequestConfig(request, paginate=False).configure(table)  # the sort
    paginate_table(request, table, per_page=per_page)
    sort = request.GET.get("sort", "") or DEFAULT_SORT
    context = {
        **views,
        "filter": filterset,
        "filter_live": True,
        "sort": sort,
        "sort_choices": sort_choices(sort),
        "view": view,
        "table": table,
        "total": capped_count(filterset.qs, cap=COUNT_CAP),
        "count_cap": COUNT_CAP,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "page_size_refusal": page_size_refusal(request),
        "bulk_form": LeadBulkForm(user=request.user),
        "columns_form": LeadColumnsForm(initial={"columns": columns, "per_page": per_page}),
    }
    template = "leads/list/results.html" if request.htmx else "leads/list/page.html"
    return render(request, template, context)


def _back_to_list(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("leads:list")
    return redirect(target)


@login_required
@require_POST
def lead_columns_view(request: HttpRequest) -> HttpResponse:
    form = LeadColumnsForm(request.POST)
    if form.is_valid():
        user_save_list_preferences(
            user=request.user,
            list_name=LIST_NAME,
            columns=form.cleaned_data["columns"],
            per_page=form.cleaned_data["per_page"],
        )
        # Looking at a view of one's own, the columns chosen are that view's too: it shows
        # its own columns, so a choice left to the user's list alone would change nothing.
        shown = open_view_of(request, request.POST.get("next", ""))
        if shown is not None and shown.owner_id == request.user.pk:
            saved_view_set_columns(view=shown, columns=form.cleaned_data["columns"])
        messages.success(request, _("The list's columns are saved."))
    else:
        messages.error(request, _("Choose at least one column."))
    return _back_to_list(request)


@login_required
@require_POST
def lead_bulk_view(request: HttpRequest) -> HttpResponse:
    form = LeadBulkForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_list(request)
    ids = set(form.cleaned_data["selected"])
    leads = list(leads_visible_to(request.user).filter(pk__in=ids).select_related("status"))
    if len(leads) != len(ids):
        # One lead the user may not see makes the whole action refused: nothing changes.
        raise Http404
    action = form.cleaned_data["action"]
    if action == BulkAction.EXPORT:
        # This POST is the export's (CSRF-protected) start: the selected rows, at once.
        # The rows as selected: archived ones too (the list shows them when asked).
        ids_text = ",".join(str(pk) for pk in sorted(ids))
        query = urlencode({"id": ids_text, "archived": ARCHIVED_ALL})
        return lead_export_response(request, query=query)
    if action in ARCHIVE_ACTIONS:
        result = ARCHIVE_ACTIONS[action](leads=leads, user=request.user)
    elif action == BulkAction.CHANGE_STATUS:
        result = leads_change_status(
            leads=leads, status=form.cleaned_data["status"], user=request.user
        )
    else:
        result = leads_add_employee(
            leads=leads, employee=form.cleaned_data["employee"], user=request.user
        )
    _report(request, result)
    return _back_to_list(request)


ARCHIVE_ACTIONS = {BulkAction.ARCHIVE: leads_archive, BulkAction.UNARCHIVE: leads_unarchive}


def _report(request: HttpRequest, result) -> None:
    if result.changed:
        messages.success(
            request,
            ngettext("%(count)d lead changed.", "%(count)d leads changed.", result.changed)
            % {"count": result.changed},
        )
    for lead, reason in result.refused:
        messages.error(
            request, _("“%(lead)s” not changed: %(reason)s") % {"lead": lead, "reason": reason}
        )
    if not result.changed and not result.refused:
        messages.info(request, _("Nothing to change."))


@login_required
def client_leads_partial_view(request: HttpRequest, client_pk: int) -> HttpResponse:
    """The client page's "related leads": the client's leads this user may see."""
    client = client_get_for_user(user=request.user, pk=client_pk)
    leads = with_list_columns(
        leads_visible_to(request.user).not_deleted().filter(clients=client)
    ).order_by("-created_at")[:50]
    table = compact_lead_table(leads, exclude=["clients"], of_one_client=True)
    return render(request, "leads/list/client_leads.html", {"client": client, "table": table})
