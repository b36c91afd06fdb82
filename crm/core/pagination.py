from __future__ import annotations

from django.core.paginator import EmptyPage, Page, Paginator
from django.http import HttpRequest
from django_tables2 import Table
from django_tables2.paginators import LazyPaginator

from .params import MAX_POSITION, whole_number

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE) -> Page:
    """The requested page of a list; a wrong page number gives the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def paginate_table(request: HttpRequest, table: Table, *, per_page: int) -> None:
    """Paginate a django-tables2 table at ?page= without counting its rows (LazyPaginator:
    a million-row list is never counted). A page number that is not one, or one past the
    rows, gives the first page; the database is never asked to skip more rows than
    MAX_POSITION pages hold."""
    number = whole_number(request.GET.get(table.prefixed_page_field), maximum=MAX_POSITION)
    try:
        table.paginate(paginator_class=LazyPaginator, per_page=per_page, page=number or 1)
    except EmptyPage:
        table.paginate(paginator_class=LazyPaginator, per_page=per_page, page=1)
