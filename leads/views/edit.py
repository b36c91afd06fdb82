"""Creating and editing a lead, and the pickers of its form: the client and contractor
searches and the dialog that adds a new client without leaving the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clients.filters import client_search_condition, contractor_search_condition
from clients.forms import ClientForm
from clients.selectors import clients_visible_to, contractors_visible_to
from clients.services import DuplicateClients, client_check_new
from leads.forms import LeadForm
from leads.forms.lead import NewClient, new_client_of
from leads.models import Lead
from leads.selectors import lead_get_for_user, leads_visible_to
from leads.services.editing import lead_create, lead_update

# A picker shows this many matches; the user types more to narrow them.
SEARCH_LIMIT = 10


@login_required
@require_http_methods(["GET", "POST"])
def lead_create_view(request: HttpRequest) -> HttpResponse:
    form = LeadForm(_data(request), user=request.user)
    if form.is_valid():
        data = dict(form.cleaned_data)
        new_clients = _new_clients(data.pop("new_clients"))
        try:
            lead = lead_create(user=request.user, new_clients=new_clients, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The lead “%(name)s” was added.") % {"name": lead.name})
            return _after_save(request, lead)
    return _render_form(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def lead_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(user=request.user, pk=pk)
    form = LeadForm(_data(request), user=request.user, lead=lead)
    stale = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            lead = lead_update(
                lead=lead,
                user=request.user,
                data=data,
                expected_updated_at=data["updated_at"],
                new_clients=_new_clients(data["new_clients"]),
            )
        except ValidationError as exc:
            stale = getattr(exc, "code", None) == "stale"
            _add_errors(form, exc)
        else:
            messages.success(request, _("The lead “%(name)s” was saved.") % {"name": lead.name})
            return _after_save(request, lead)
    return _render_form(request, form, lead=lead, stale=stale)


@login_required
@require_GET
def client_search_view(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("q", "").strip()
    clients = (
        clients_visible_to(request.user)
        .filter(client_search_condition(term))
        .select_related("caretaker")[:SEARCH_LIMIT]
        if term
        else []
    )
    return render(request, "leads/form/client_results.html", {"clients": clients, "term": term})


@login_required
@require_GET
def contractor_search_view(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("q", "").strip()
    contractors = (
        contractors_visible_to(request.user).filter(contractor_search_condition(term))[
            :SEARCH_LIMIT
        ]
        if term
        else []
    )
    context = {"contractors": contractors, "term": term}
    return render(request, "leads/form/contractor_results.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def client_dialog_view(request: HttpRequest) -> HttpResponse:
    """The body of the "add client" dialog: the client form, checked (an existing client
    with the same phone, email or PESEL is shown first), and after that the chip of the
    new client, which the lead form keeps until the lead is saved: nothing is made before
    that, so a cancelled lead form leaves no client behind."""
    # Its own ids: the dialog lives on the lead form's page, which has a "source" field too.
    form = ClientForm(_data(request), user=request.user, auto_id="client_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            client_check_new(
                user=request.user, data=data, allow_duplicates_of=data["seen_duplicates"]
            )
        except DuplicateClients as duplicates:
            form.show_duplicates(duplicates.candidates)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return render(request, "leads/form/client_created.html", {"new": new_client_of(form)})
    return render(request, "leads/form/client_dialog.html", {"form": form})


def _render_form(request: HttpRequest, form: LeadForm, **context) -> HttpResponse:
    context.update(
        form=form,
        clients_chosen=form.chosen("clients"),
        new_clients_chosen=form.new_clients_chosen(),
        contractors_chosen=form.chosen("contractors"),
    )
    return render(request, "leads/form/page.html", context)


def _new_clients(new_clients: list[NewClient]) -> list[tuple[dict, list[int]]]:
    return [(new.data, new.seen_duplicates) for new in new_clients]


def _data(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _add_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's refusal next to the form's fields, or above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _after_save(request: HttpRequest, lead: Lead) -> HttpResponse:
    # Whoever takes themselves off the employees no longer sees the lead.
    if leads_visible_to(request.user).filter(pk=lead.pk).exists():
        return redirect(lead)
    messages.info(request, _("You are not an employee of this lead, so it is not shown to you."))
    return redirect("leads:list")
