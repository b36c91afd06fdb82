"""Request-wide plumbing that every app relies on."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from .logs import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept as it is when it looks like one; anything else (too long, spaces,
# control characters that could forge log lines) is replaced by our own.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    """Gives each request an id: the proxy's X-Request-ID or a new one. Log records of the
    request carry it (RequestIdFilter) and the response returns it, so a user's report
    ("error ... id abc") leads to the log lines of that very request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        # Not reset on the way out: Django logs a 4xx/5xx response ("Not Found: /x") after
        # the middleware has returned it. The next request of the thread sets its own.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class NoStoreForUsersMiddleware:
    """Every response to a logged-in user says `Cache-Control: no-store` (with Django's
    other never-cache headers): pages, htmx partials, JSON and exports carry clients'
    names, phones and PESELs, and no browser cache, shared computer or proxy may keep
    them. Static files (answered by WhiteNoise before this runs) and what anonymous
    visitors get (the login page, the public inquiry form) keep their own headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
