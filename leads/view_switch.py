"""The three views of the same leads (table, grid, kanban) and the links between them.

A link to another view carries the filters, the search and the sort of this one, so a
user switching views keeps looking at the same leads; what belongs to one view only (its
page, the kanban's "more" offset and its failed column) stays behind."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TABLE, GRID, KANBAN = "table", "grid", "kanban"
VIEW_CHOICES = [(TABLE, _("Table")), (GRID, _("Grid")), (KANBAN, _("Kanban"))]
# Parameters of one view only, dropped when switching.
OWN_PARAMETERS = {"view", "page", "offset", "show_failed"}


@dataclass(frozen=True)
class ViewLink:
    name: str
    label: str
    url: str
    current: bool


def list_view_of(request: HttpRequest) -> str:
    """The list page's view: the grid when the address asks for it, else the table."""
    return GRID if request.GET.get("view") == GRID else TABLE


def view_url(view: str, query: str = "") -> str:
    """The address of `view` with a query string of filters (no leading '?')."""
    if view == KANBAN:
        url = reverse("leads:kanban")
    else:
        url = reverse("leads:list")
        if view == GRID:
            query = f"view={GRID}&{query}" if query else f"view={GRID}"
    return f"{url}?{query}" if query else url


def shared_query(request: HttpRequest) -> str:
    """The request's filters, search and sort: what every view shares (the empty fields
    a submitted filter form sends left out)."""
    return without(request.GET, OWN_PARAMETERS)


def without(parameters: QueryDict, names: set[str]) -> str:
    """`parameters` as a query string, without `names` and without empty values."""
    kept = QueryDict(mutable=True)
    for name, values in parameters.lists():
        if name not in names:
            kept.setlist(name, [value for value in values if value])
    return kept.urlencode()


def view_links(request: HttpRequest, current: str) -> list[ViewLink]:
    query = shared_query(request)
    return [
        ViewLink(name, str(label), view_url(name, query), name == current)
        for name, label in VIEW_CHOICES
    ]
