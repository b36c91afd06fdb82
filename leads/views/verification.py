"""Verifying an inquiry on its page: delete it (and restore it), choose the client it
comes from, create that client, or unlink a client again."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clients.forms import ClientForm
from clients.selectors import client_get_for_user, clients_visible_to
from clients.services import DuplicateClients
from crm.core.forms import add_service_errors
from leads.candidates import inquiry_client_candidates
from leads.detail_selectors import lead_get_light_for_user
from leads.models import DeletionReason, IntakeOutcome, Lead
from leads.selectors import lead_get_for_user, leads_visible_to
from leads.services.verification import (
    lead_convert_to_client,
    lead_delete,
    lead_link_client,
    lead_restore,
    lead_unlink_client,
)


class DeletionForm(forms.Form):
    deletion_reason = forms.ModelChoiceField(
        label=gettext_lazy("Why delete it?"),
        queryset=DeletionReason.objects.filter(active=True),
        error_messages={"required": gettext_lazy("Choose why the inquiry is deleted.")},
    )


@login_required
def lead_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for the reason and confirmation; POST deletes."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    form = DeletionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            lead_delete(lead=lead, user=request.user, reason=form.cleaned_data["deletion_reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The inquiry is deleted. A manager can restore it from its page.")
            )
        return redirect(lead)
    status = 400 if request.method == "POST" else 200
    return render(request, "leads/verify/delete.html", {"lead": lead, "form": form}, status=status)


@require_POST
@login_required
def lead_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    try:
        lead_restore(lead=lead, user=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The inquiry is restored among the new ones."))
    return redirect(lead)


@login_required
def lead_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate clients of an inquiry, to choose from, or a new client."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    candidates = inquiry_client_candidates(lead=lead, user=request.user)
    return render(request, "leads/verify/candidates.html", {"lead": lead, "candidates": candidates})


@require_POST
@login_required
def lead_link_view(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    """Choose a candidate. It may be a client the user cannot open (then the service hands
    the lead over to the client's caretaker): candidates are any client whose contact or
    name matches the inquiry the user can see."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    # A client the user may open (the convert form's "use this client"), or a candidate.
    client = clients_visible_to(request.user).select_related("caretaker").filter(pk=client_pk)
    client = client.first() or next(
        (
            candidate.client
            for candidate in inquiry_client_candidates(lead=lead, user=request.user)
            if candidate.client.pk == client_pk
        ),
        None,
    )
    if client is None:
        messages.error(request, _("This client is not a candidate for the inquiry."))
        return redirect("leads:verify", pk=lead.pk)
    notify = request.POST.get("notify_caretaker") == "1"
    try:
        linked = lead_link_client(
            lead=lead, client=client, user=request.user, notify_caretaker=notify
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("leads:verify", pk=lead.pk)
    if linked.handed_to is not None:
        messages.info(
            request,
            _(
                "The inquiry belongs to a client in the care of %(keeper)s: it is linked "
                "and handed over to them, who got an email about it."
            )
            % {"keeper": linked.handed_to},
        )
        if not leads_visible_to(request.user).filter(pk=lead.pk).exists():
            return redirect("leads:list")
        return redirect(lead)
    text = _("The inquiry is linked to the client.")
    if notify and client.caretaker and client.caretaker.is_active:
        text += " " + _("%(caretaker)s gets an email about it.") % {"caretaker": client.caretaker}
    messages.success(request, text)
    return redirect(lead)


def _client_initial(lead: Lead) -> dict:
    investment = lead.investments.first()
    return {
        "first_name": lead.contact_first_name,
        "last_name": lead.contact_last_name,
        "email": lead.contact_email,
        "phone": lead.contact_phone,
        "source": lead.source_id,
        "preferred_investment": investment.pk if investment else None,
        "description": lead.message,
    }


@login_required
def lead_new_client_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The client form filled in from the inquiry; saving it converts the inquiry."""
    lead = lead_get_for_user(user=request.user, pk=pk)
    if lead.intake_outcome != IntakeOutcome.NEW:
        messages.error(request, _("This inquiry is already verified."))
        return redirect(lead)
    form = ClientForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial=_client_initial(lead),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client = lead_convert_to_client(
                lead=lead, user=request.user, data=data, allow_duplicates_of=data["seen_duplicates"]
            )
        except DuplicateClients as duplicates:
            form.show_duplicates(duplicates.candidates)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Client “%(client)s” added; the inquiry is now their lead.") % {"client": client},
            )
            return redirect(lead)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "clients/client_form.html", {"form": form, "from_lead": lead}, status=status
    )


@require_POST
@login_required
def lead_unlink_view(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    """From the client's related leads: take the client off the lead."""
    client = client_get_for_user(user=request.user, pk=client_pk)
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    try:
        lead_unlink_client(lead=lead, client=client, user=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The lead “%(lead)s” is unlinked from %(client)s.")
            % {"lead": lead, "client": client},
        )
    return redirect(client)
