"""Page size and sort order of a plain list page, read from the URL (?per_page=, ?sort=)
so that a list is shareable and the back button works."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from .pagination import paginate

PAGE_SIZES = (25, 50, 100)


def page_size(request: HttpRequest, sizes: tuple[int, ...] = PAGE_SIZES) -> int:
    """?per_page= when it is one of the offered sizes, else the first size."""
    asked = request.GET.get("per_page", "")
    return int(asked) if asked.isdigit() and int(asked) in sizes else sizes[0]


def sort_queryset(
    request: HttpRequest, queryset: QuerySet, sorts: dict[str, tuple[str, ...]], default: str
) -> tuple[QuerySet, str]:
    """Order a list by ?sort=<key> or ?sort=-<key> (descending), <key> one of `sorts`
    (each maps to model fields); anything else gives `default`. The primary key breaks
    ties so that pages never overlap. Returns the queryset and the sort in force."""
    asked = request.GET.get("sort", "")
    sort = asked if asked.lstrip("-") in sorts else default
    descending = sort.startswith("-")
    fields = [*sorts[sort.lstrip("-")], "pk"]
    return queryset.order_by(*(f"-{f}" if descending else f for f in fields)), sort


def list_context(
    request: HttpRequest, queryset: QuerySet, sorts: dict[str, tuple[str, ...]], default: str
) -> dict:
    """Sorted, paginated rows of a plain list and what its links need to keep the URL
    state (sort, page size, the whole query string)."""
    queryset, sort = sort_queryset(request, queryset, sorts, default)
    per_page = page_size(request)
    return {
        "page": paginate(request, queryset, per_page=per_page),
        "sort": sort,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "query": request.GET.urlencode(),
    }
