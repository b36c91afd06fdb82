"""Refused requests: the 400 page in the user's language (what was wrong and what to do,
never a bare "Bad Request (400)"), for Django's own refusals and for input that is not
text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm.core.formatting import format_file_size


@dataclass(frozen=True)
class Refusal:
    reason: str
    advice: str = ""
    nothing_saved: bool = False  # a form was sent: say that none of it was stored


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The 400 page: why the request was refused and what to do."""
    return render(request, "400.html", {"refusal": refusal}, status=400)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler400: a form past Django's limits (DATA_UPLOAD_MAX_MEMORY_SIZE and
    the numbers of fields and files) says which limit and what to do; any other refused
    request says so plainly."""
    return refusal_response(request, _refusal(exception))


def _refusal(exception: Exception | None) -> Refusal:
    if isinstance(exception, RequestDataTooBig):
        return Refusal(
            _("The form holds more than Lejek takes at once: at most %(size)s of text.")
            % {"size": format_file_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
            _("Go back, shorten the text or send it in parts, and try again."),
            nothing_saved=True,
        )
    if isinstance(exception, TooManyFieldsSent):
        return Refusal(
            _("The form has more fields than Lejek takes at once: at most %(count)d.")
            % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
            _("Go back, choose fewer rows or send them in parts, and try again."),
            nothing_saved=True,
        )
    if isinstance(exception, TooManyFilesSent):
        return Refusal(
            _("The form sends more files than Lejek takes at once: at most %(count)d.")
            % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
            _("Go back, send fewer files at a time, and try again."),
            nothing_saved=True,
        )
    return Refusal(_("The request could not be understood."), _("Go back and try again."))


class UnreadableInputMiddleware:
    """Refuses, with the 400 page in the user's language, a request that carries what no
    text may hold: an address with bytes that are not UTF-8 or with a NUL character
    (PostgreSQL refuses NUL in any text, so a search for it was a 500), or a form whose
    text is not UTF-8. Django would read such bytes as U+FFFD ("�") and store that in
    place of what was typed; nothing is stored instead, and the page says which fields.

    A multipart form (with files) is read by Django before it can be checked: a field
    holding U+FFFD is taken for such bytes there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = _unreadable_input(request)
        if refusal is not None:
            return refusal_response(request, refusal)
        return self.get_response(request)


def _unreadable_input(request: HttpRequest) -> Refusal | None:
    query = request.META.get("QUERY_STRING", "").encode("iso-8859-1", "replace")
    if _unreadable_fields(query, "utf-8"):
        return Refusal(
            _("The address holds text that cannot be read: it is not UTF-8."),
            _("Correct the address, or go back and follow the link again."),
        )
    if b"\x00" in unquote_to_bytes(query):
        return Refusal(
            _("The address holds a NUL character (code 0), which no text may hold."),
            _("Remove it from the address and try again."),
        )
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if request.content_type == "application/x-www-form-urlencoded":
        fields = _unreadable_fields(request.body, request.encoding or settings.DEFAULT_CHARSET)
    elif request.content_type == "multipart/form-data":
        fields = [
            name
            for name, values in request.POST.lists()
            if REPLACEMENT in name or any(REPLACEMENT in value for value in values)
        ]
    else:
        return None
    if not fields:
        return None
    shown = ", ".join(f"“{name[:40]}”" for name in fields[:5])
    return Refusal(
        _("The form sent text that cannot be read (it is not UTF-8) in: %(fields)s.")
        % {"fields": shown},
        _("Go back, type that text again and send the form."),
        nothing_saved=True,
    )


REPLACEMENT = "\ufffd"  # what a decoder puts in place of bytes it cannot read


def _unreadable_fields(body: bytes, encoding: str) -> list[str]:
    """The names of the fields of a URL-encoded body (or query string) whose name or
    value is not text in `encoding`."""
    unreadable = []
    for pair in body.split(b"&"):
        name, _equals, value = pair.partition(b"=")
        try:
            for part in (name, value):
                unquote_to_bytes(part.replace(b"+", b" ")).decode(encoding)
        except UnicodeDecodeError:
            unreadable.append(
                unquote_to_bytes(name.replace(b"+", b" ")).decode(encoding, "replace")
            )
    return unreadable
