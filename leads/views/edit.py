"""Creating and editing a lead. (Being built.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _not_yet(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


lead_create_view = lead_update_view = client_search_view = _not_yet
contractor_search_view = client_dialog_view = _not_yet
