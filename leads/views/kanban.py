"""The kanban board. (Being built.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _not_yet(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


kanban_view = kanban_column_view = kanban_move_view = _not_yet
