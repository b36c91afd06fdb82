"""Excel export of the lead list. (Being built.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _not_yet(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404


lead_export_view = _not_yet
