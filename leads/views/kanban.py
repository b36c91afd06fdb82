"""The kanban board: columns by status, "more" cards of one column, and moving a card."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from crm.core.params import MAX_POSITION, whole_number
from leads.filters import lead_filterset_for
from leads.kanban import (
    FAILED_COLUMN,
    kanban_board,
    kanban_card,
    kanban_column_page,
)
from leads.models import LeadStatus
from leads.selectors import leads_visible_to
from leads.services.pipeline import lead_change_status
from leads.view_switch import KANBAN
from leads.views.saved_views import lead_views_context


@login_required
@require_safe
def kanban_view(request: HttpRequest) -> HttpResponse:
    filterset = lead_filterset_for(request)
    show_failed = request.GET.get("show_failed") == "1"
    board = kanban_board(
        leads=filterset.qs, show_failed=show_failed, employee=filterset.board_employee
    )
    context = {
        "board": board,
        "card_text": _card_text(),
        "board_url": _board_url_of_query(request),
        "filterset": filterset,
        "show_failed": show_failed,
        # The list's filter bar, here without the sort (columns order the board).
        **lead_views_context(
            request,
            KANBAN,
            kept=[("show_failed", "1")] if show_failed else [],
            clear_url=reverse("leads:kanban") + ("?show_failed=1" if show_failed else ""),
        ),
    }
    return render(request, "leads/kanban/board.html", context)


@login_required
@require_safe
def kanban_column_view(request: HttpRequest, status_pk: int) -> HttpResponse:
    if (
        status_pk != FAILED_COLUMN
        and not LeadStatus.objects.filter(pk=status_pk, active=True).exists()
    ):
        raise Http404
    offset = whole_number(request.GET.get("offset"), maximum=MAX_POSITION) or 0
    filterset = lead_filterset_for(request)
    cards, has_more = kanban_column_page(
        leads=filterset.qs, key=status_pk, offset=offset, employee=filterset.board_employee
    )
    context = {
        "cards": cards,
        "column_key": status_pk,
        "has_more": has_more,
        "next_offset": offset + len(cards),
        "card_text": _card_text(),
    }
    return render(request, "leads/kanban/cards.html", context)


@login_required
@require_POST
def kanban_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(leads_visible_to(request.user).select_related("status"), pk=pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    status_id = whole_number(request.POST.get("status"))
    status = LeadStatus.objects.filter(pk=status_id).first() if status_id is not None else None
    if status is None:
        return _move_answer(request, wants_json, _("Choose a status to move the lead to."), 400)
    from_column = lead.status_id
    try:
        lead_change_status(lead=lead, status=status, user=request.user)
    except ValidationError as error:
        return _move_answer(request, wants_json, " ".join(error.messages), 409)
    message = _("“%(lead)s” moved to “%(status)s”.") % {"lead": lead, "status": status}
    if not wants_json:
        messages.success(request, message)
        return redirect(_board_url(request))
    card = render_to_string(
        "leads/kanban/card.html",
        {"lead": kanban_card(lead), "card_text": _card_text()},
        request=request,
    )
    return JsonResponse(
        {"message": message, "from_column": from_column, "to_column": status.pk, "card": card}
    )


def _card_text() -> dict[str, str]:
    """The cards' labels, translated once per page rather than once per card (a board
    draws up to 200 cards)."""
    return {
        "client": _("Client"),
        "investment": _("Investment"),
        "employees": _("Employees"),
        "status": _("Status"),
        "age": _("Age"),
        "repeat": _("repeat"),
        "no_next_step": _("no next step"),
        "overdue": _("overdue"),
        "move": _("Move…"),
    }


def _move_answer(request: HttpRequest, wants_json: bool, message: str, code: int) -> HttpResponse:
    """A refused move: JSON with the message for the board's script; without the script,
    the message flashed on the board."""
    if wants_json:
        return JsonResponse({"message": message}, status=code)
    messages.error(request, message)
    return redirect(_board_url(request))


def _board_url_of_query(request: HttpRequest) -> str:
    """The board with the filters of this request's query string."""
    query = request.GET.copy()
    query.pop("offset", None)
    url = reverse("leads:kanban")
    return f"{url}?{query.urlencode()}" if query else url


def _board_url(request: HttpRequest) -> str:
    """The board a move was posted from (with its filters): `next` when it is ours."""
    next_url = request.POST.get("next", "")
    if next_url.startswith(reverse("leads:kanban")) and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("leads:kanban")
