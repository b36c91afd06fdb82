"""Links of list pages that keep the current filters: sort headers and page links."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced ('' or None drops one):
    <a href="?{% query_with page=2 %}">."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(context, key: str, label: str) -> dict:
    """A sortable column header: a link that sorts by `key`, reversing the order on a
    second click, with aria-sort for screen readers."""
    current = context.get("sort", "")
    if current == key:
        state, next_sort = "ascending", f"-{key}"
    elif current == f"-{key}":
        state, next_sort = "descending", key
    else:
        state, next_sort = "none", key
    query = context["request"].GET.copy()
    query["sort"] = next_sort
    query.pop("page", None)
    hints = {"ascending": _("sorted ascending"), "descending": _("sorted descending")}
    return {
        "label": label,
        "state": state,
        "href": "?" + query.urlencode(),
        "hint": hints.get(state, ""),
    }
