"""Preliminary reservations and contracts on a lead: creating and cancelling them, and their
parts of the lead's tabs."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.forms import add_service_errors
from leads.detail_selectors import lead_get_light_for_user
from leads.forms.sales import ContractCancelForm, ContractForm, ReservationForm
from leads.models import Lead
from leads.selectors.sales import (
    contract_defaults,
    contract_get_for_user,
    lead_contracts,
    lead_reservations,
    reservation_defaults,
    reservation_get_for_user,
)
from leads.services.pipeline import lead_closed_refusal, lead_status_after_event
from leads.services.sales import (
    RESERVATION_STATUS_SLUG,
    contract_cancel,
    contract_create,
    reservation_cancel,
    reservation_create,
)
from settings_app.selectors import crm_settings

CANCEL_CONTRACT = "leads.cancel_contract"


def reservations_tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the reservations part of the "Offers and reservations" tab reads."""
    return {"reservations": lead_reservations(lead=lead)}


def contracts_tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the Contracts tab reads beyond the lead."""
    return {
        "contracts": lead_contracts(lead=lead),
        "can_cancel_contracts": request.user.has_perm(CANCEL_CONTRACT),
    }


@login_required
def reservation_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the form; POST reserves the unit (or shows why not, next to the field)."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    if refused := _refused(request, lead, won_too=True):
        return refused
    posted = _posted(request)
    initial = None if posted is not None else _reservation_initial(lead)
    form = ReservationForm(posted, lead=lead, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reservation_create(lead=lead, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The unit is reserved."))
            return _to_tab(lead, "offers", suggest=RESERVATION_STATUS_SLUG)
    status = 400 if request.method == "POST" else 200
    context = {"lead": lead, "form": form}
    return render(request, "leads/sales/reservation_form.html", context, status=status)


@require_POST
@login_required
def reservation_cancel_view(request: HttpRequest, pk: int, reservation_pk: int) -> HttpResponse:
    reservation = reservation_get_for_user(user=request.user, lead_pk=pk, pk=reservation_pk)
    try:
        reservation_cancel(reservation=reservation, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The reservation is cancelled; the unit is available."))
    return _to_tab(reservation.lead, "offers")


@login_required
def contract_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the form; POST records the contract: units sold, lead won."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    if refused := _refused(request, lead, won_too=False):
        return refused
    posted = _posted(request)
    initial = None if posted is not None else _contract_initial(lead)
    form = ContractForm(posted, lead=lead, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contract_create(lead=lead, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contract is recorded; the lead is won."))
            return _to_tab(lead, "contracts")
    status = 400 if request.method == "POST" else 200
    context = {"lead": lead, "form": form}
    return render(request, "leads/sales/contract_form.html", context, status=status)


@login_required
def contract_cancel_view(request: HttpRequest, pk: int, contract_pk: int) -> HttpResponse:
    """GET asks for the reason; POST cancels (managers: `leads.cancel_contract`)."""
    contract = contract_get_for_user(user=request.user, lead_pk=pk, pk=contract_pk)
    if not request.user.has_perm(CANCEL_CONTRACT):
        raise PermissionDenied
    if contract.is_cancelled:
        messages.info(request, _("This contract is already cancelled."))
        return _to_tab(contract.lead, "contracts")
    form = ContractCancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            contract_cancel(
                contract=contract,
                user=request.user,
                reason=form.cleaned_data["cancellation_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contract is cancelled; its units are available."))
            return _to_tab(contract.lead, "contracts")
    status = 400 if request.method == "POST" else 200
    context = {"lead": contract.lead, "contract": contract, "form": form}
    return render(request, "leads/sales/contract_cancel.html", context, status=status)


def _reservation_initial(lead: Lead) -> dict:
    """The offer's unit and client, and the settings' reservation days from today."""
    days = crm_settings().reservation_days
    until = timezone.localdate() + timedelta(days=days)
    return {**reservation_defaults(lead=lead), "reserved_until": until}


def _contract_initial(lead: Lead) -> dict:
    """The reserved units at the accepted offer's price, every client of the lead, today."""
    return {
        **contract_defaults(lead=lead),
        "signed_at": timezone.localdate(),
        "clients": list(lead.clients.all()),
    }


def _refused(request: HttpRequest, lead: Lead, *, won_too: bool) -> HttpResponse | None:
    """Back to a closed lead with the reason it takes no new reservation or contract."""
    if refusal := lead_closed_refusal(lead=lead, won_closes=won_too):
        messages.error(request, refusal)
        return redirect(lead)
    return None


def _to_tab(lead: Lead, tab: str, *, suggest: str = "") -> HttpResponse:
    """Back to the lead's tab; with `?suggest=` when the lead may move to a later stage."""
    query = f"?tab={tab}"
    if suggest and lead_status_after_event(lead=lead, slug=suggest) is not None:
        query += f"&suggest={suggest}"
    return redirect(lead.get_absolute_url() + query)


def _posted(request: HttpRequest):
    """The form's data on POST (even an empty one: its errors are then shown), else None."""
    return request.POST if request.method == "POST" else None
