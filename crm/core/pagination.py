from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE) -> Page:
    """The requested page of a list; a wrong page number gives the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
