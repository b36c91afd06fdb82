"""Page size and sort order of a plain list page, read from the URL (?per_page=, ?sort=)
so that a list is shareable and the back button works."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .pagination import paginate
from .params import whole_number

PAGE_SIZES = (25, 50, 100)


def requested_page_size(request: HttpRequest, sizes: tuple[int, ...] = PAGE_SIZES) -> int | None:
    """?per_page= when it is one of the offered sizes, else None."""
    asked = whole_number(request.GET.get("per_page"))
    return asked if asked in sizes else None


def page_size_refusal(request: HttpRequest, sizes: tuple[int, ...] = PAGE_SIZES) -> str:
    """What the list says when ?per_page= asks for a size it does not offer (a page of
    5 000 rows would be one slow, huge page); '' when it asks for none or an offered one."""
    if not request.GET.get("per_page") or requested_page_size(request, sizes) is not None:
        return ""
    return _("A page shows at most %(largest)d rows; the sizes on offer are %(sizes)s.") % {
        "largest": max(sizes),
        "sizes": ", ".join(str(size) for size in sizes),
    }


def page_size(request: HttpRequest, sizes: tuple[int, ...] = PAGE_SIZES) -> int:
    """?per_page= when it is one of the offered sizes, else the first size."""
    return requested_page_size(request, sizes) or sizes[0]


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
        "page_size_refusal": page_size_refusal(request),
        "query": request.GET.urlencode(),
    }
