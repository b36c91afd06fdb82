"""Offers on a lead: choosing units, the offered prices, sending, the client's answer and
the printable offer."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from crm.core.forms import add_service_errors
from leads.detail_selectors import lead_get_light_for_user
from leads.forms.offers import OfferAnswerForm, OfferForm, SendOfferForm, UnitFilterForm
from leads.models import Lead, Offer, OfferChannel
from leads.selectors.offers import (
    lead_offers,
    offer_get_for_lead,
    offer_get_printable,
    offer_units_for_lead,
)
from leads.services.offers import (
    offer_create,
    offer_mark_sent,
    offer_set_status,
)
from leads.services.pipeline import lead_closed_refusal

UNITS_PER_PAGE = 20


def tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the offers part of the "Offers and reservations" tab reads beyond the lead."""
    return {
        "offers": lead_offers(lead=lead),
        "offers_editable": lead_closed_refusal(lead=lead, won_closes=False) is None,
        "offers_creatable": lead_closed_refusal(lead=lead) is None,
        "offer_channels": OfferChannel.choices,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def offer_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the unit picker (filters and chosen units in the query string); POST: create."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    refusal = lead_closed_refusal(lead=lead)
    if refusal:
        messages.error(request, refusal)
        return redirect(lead)
    if request.method != "POST":
        return _render_create(request, lead, OfferForm.from_query(request.GET, lead=lead))
    form = OfferForm(request.POST, lead=lead)
    if form.is_valid():
        try:
            offer = offer_create(lead=lead, user=request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(offer)s is created.") % {"offer": offer})
            if offer.suggested_status is not None:
                return redirect(f"{lead.get_absolute_url()}?suggest={offer.suggested_status.slug}")
            return redirect(f"{lead.get_absolute_url()}?tab=offers")
    return _render_create(request, lead, form, status=400)


def _render_create(
    request: HttpRequest, lead: Lead, form: OfferForm, status: int = 200
) -> HttpResponse:
    filter_form = UnitFilterForm(request.GET)
    chosen = [unit.pk for unit in form.chosen_units]
    units = offer_units_for_lead(lead=lead, exclude_ids=chosen, **filter_form.selector_arguments())
    context = {
        "lead": lead,
        "form": form,
        "filter_form": filter_form,
        "page": Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page")),
        "clear_filters_query": urlencode({"units": chosen}, doseq=True),
    }
    return render(request, "leads/offers/create.html", context, status=status)


@require_POST
@login_required
def offer_send_view(request: HttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    """Mark a draft offer as sent, with the channel it went by."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    offer = offer_get_for_lead(lead=lead, pk=offer_pk)
    form = SendOfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["channel"]))
    else:
        _act(request, offer, offer_mark_sent, channel=form.cleaned_data["channel"])
    return redirect(f"{lead.get_absolute_url()}?tab=offers")


@require_POST
@login_required
def offer_answer_view(request: HttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    """The client's answer to a sent offer: accepted or rejected."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    offer = offer_get_for_lead(lead=lead, pk=offer_pk)
    form = OfferAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the offer was accepted or rejected."))
    else:
        _act(request, offer, offer_set_status, status=form.cleaned_data["status"])
    return redirect(f"{lead.get_absolute_url()}?tab=offers")


def _act(request: HttpRequest, offer: Offer, service, **arguments) -> None:
    try:
        offer = service(offer=offer, user=request.user, **arguments)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(offer)s is now “%(status)s”.")
            % {"offer": offer, "status": offer.get_status_display()},
        )


@login_required
@require_safe
def offer_print_view(request: HttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    """The offer as a clean page to print or save as PDF."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    offer = offer_get_printable(lead=lead, pk=offer_pk)
    items = list(offer.items.all())
    investments = list(dict.fromkeys(item.unit.investment for item in items))
    context = {"lead": lead, "offer": offer, "items": items, "investments": investments}
    return render(request, "leads/offers/print.html", context)
