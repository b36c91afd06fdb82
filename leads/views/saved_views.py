"""Saved views of the lead list: the menu above the table, grid and kanban, saving the
current filters under a name, opening and deleting a view."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from crm.core.models import SavedView
from crm.core.params import whole_number
from crm.core.selectors import saved_views_for
from crm.core.services import saved_view_delete, saved_view_save
from leads.forms.saved_views import SavedViewForm
from leads.tables import DEFAULT_COLUMNS, OPTIONAL_COLUMNS
from leads.view_switch import (
    KANBAN,
    OWN_PARAMETERS,
    shared_query,
    view_links,
    view_url,
    without,
)

LIST_NAME = "leads"
SAVED_PARAMETER = "saved"


def saved_views_context(request: HttpRequest, layout: str, query: str) -> dict:
    """The menu's context: the views the user may open (one query), the one open now
    (?saved=<id>), and the save form holding what the page shows."""
    views = list(saved_views_for(request.user, LIST_NAME))
    wanted = whole_number(request.GET.get(SAVED_PARAMETER))
    active = next((view for view in views if view.pk == wanted), None)
    form = SavedViewForm(
        initial={
            "query": query,
            "layout": layout,
            "name": active.name if active and active.owner_id == request.user.pk else "",
        }
    )
    return {
        "saved_views": views,
        "active_view": active,
        "saved_view_form": form,
        "can_share_views": request.user.is_manager or request.user.is_administrator,
    }


def lead_views_context(
    request: HttpRequest, view: str, *, kept: list[tuple[str, object]], clear_url: str
) -> dict:
    """What the table, the grid and the kanban draw alike above their leads: the filter
    bar's address and the parameters it keeps (the open saved view's among them), the
    links to the other views, the export (not the kanban's) and the saved views' menu."""
    query = shared_query(request)
    saved = saved_views_context(request, view, query)
    if saved["active_view"]:
        kept = [*kept, (SAVED_PARAMETER, saved["active_view"].pk)]
    return {
        "filter_action": reverse("leads:kanban" if view == KANBAN else "leads:list"),
        "clear_url": clear_url,
        "kept_parameters": kept,
        "view_links": view_links(request, view),
        "export_query": None if view == KANBAN else query,
        **saved,
    }


def list_columns(user, active: SavedView | None = None) -> list[str]:
    """The lead list's columns: the open view's, else the user's own choice."""
    if active is not None and active.columns:
        chosen = active.columns
    else:
        chosen = (user.ui_preferences or {}).get(LIST_NAME, {}).get("columns", DEFAULT_COLUMNS)
    return [name for name in chosen if name in OPTIONAL_COLUMNS]


def open_view_of(request: HttpRequest, url: str) -> SavedView | None:
    """The saved view an address of the list shows (its ?saved=<id>), if the user may."""
    wanted = whole_number(QueryDict(urlsplit(url).query).get(SAVED_PARAMETER))
    if wanted is None:
        return None
    return saved_views_for(request.user, LIST_NAME).filter(pk=wanted).first()


def clean_view_query(query: str) -> str:
    """A view's filters without what belongs to one page (page, offset, the view's own id)."""
    return without(QueryDict(query), OWN_PARAMETERS | {SAVED_PARAMETER})


@login_required
@require_POST
def saved_view_save_view(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    back = view_url(request.POST.get("layout", ""), request.POST.get("query", ""))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(back)
    # The columns the user has now: those of the view they were looking at, else theirs.
    columns = list_columns(request.user, open_view_of(request, "?" + form.cleaned_data["query"]))
    try:
        view = saved_view_save(
            user=request.user,
            list_name=LIST_NAME,
            name=form.cleaned_data["name"],
            query=clean_view_query(form.cleaned_data["query"]),
            columns=columns,
            layout=form.cleaned_data["layout"],
            shared=form.cleaned_data["shared"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
    return redirect(_open_url(view))


@login_required
@require_safe
def saved_view_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(saved_views_for(request.user, LIST_NAME), pk=pk)
    return redirect(_open_url(view))


@login_required
@require_POST
def saved_view_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(saved_views_for(request.user, LIST_NAME), pk=pk)
    try:
        saved_view_delete(user=request.user, view=view)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect(_open_url(view))
    messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
    return redirect(view_url(view.layout))


def _open_url(view: SavedView) -> str:
    query = f"{view.query}&{SAVED_PARAMETER}={view.pk}" if view.query else f"saved={view.pk}"
    return view_url(view.layout, query)
