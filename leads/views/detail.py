"""One lead: the page with its header, actions and tabs, and the actions' POST endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from consents.selectors import consent_panels
from leads.detail_selectors import (
    lead_clients,
    lead_contractors,
    lead_conversations,
    lead_get_light_for_user,
    lead_tab_counts,
)
from leads.forms import FailureForm, StatusChangeForm
from leads.history import lead_history_page
from leads.models import IntakeOutcome, Lead, LeadStatus
from leads.panels import lead_page_panels
from leads.selectors import lead_get_for_user
from leads.services.archive import lead_archive, lead_archive_refusal, lead_unarchive
from leads.services.pipeline import lead_change_status, lead_mark_failed, lead_reactivate
from settings_app.selectors import crm_settings

from . import conversations, documents, offers, sales, surveys

TABS = {
    "clients": gettext_lazy("Clients"),
    "contractors": gettext_lazy("Contractors"),
    "conversations": gettext_lazy("Conversations"),
    "surveys": gettext_lazy("Surveys"),
    "offers": gettext_lazy("Offers and reservations"),
    "contracts": gettext_lazy("Contracts"),
    "documents": gettext_lazy("Notes and documents"),
    "history": gettext_lazy("History"),
}
DEFAULT_TAB = "clients"


@login_required
@require_safe
def lead_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(user=request.user, pk=pk)
    tab = request.GET.get("tab", DEFAULT_TAB)
    failure_form = FailureForm() if request.GET.get("action") == "fail" else None
    return _render_page(
        request, lead, tab=tab, failure_form=failure_form, suggest=request.GET.get("suggest")
    )


@login_required
@require_safe
@vary_on_headers("HX-Request")
def lead_tab_view(request: HttpRequest, pk: int, tab: str) -> HttpResponse:
    """A tab for htmx; without htmx, the page with that tab open."""
    if tab not in TABS:
        raise Http404
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    if not request.htmx:
        query = {"tab": tab, **({"page": request.GET["page"]} if "page" in request.GET else {})}
        return redirect(f"{lead.get_absolute_url()}?{urlencode(query)}")
    return render(request, "leads/detail/tabs.html", _tab_context(request, lead, tab))


@require_POST
@login_required
def lead_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["status"]))
        return redirect(lead)
    try:
        lead_change_status(lead=lead, status=form.cleaned_data["status"], user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The status is now “%(status)s”.") % {"status": lead.status})
    return redirect(lead)


@require_POST
@login_required
def lead_fail_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    form = FailureForm(request.POST)
    if form.is_valid():
        try:
            lead_mark_failed(
                lead=lead,
                reason=form.cleaned_data["failure_reason"],
                comment=form.cleaned_data["failure_comment"],
                user=request.user,
            )
        except ValidationError as error:
            if not _belongs_to_form(error, form):
                messages.error(request, " ".join(error.messages))
                return redirect(lead)
            form.add_error(None, error)
        else:
            messages.success(request, _("The lead is marked as a failure."))
            return redirect(lead)
    # Refused: the page again, with the dialog open and the errors next to the fields.
    lead = lead_get_for_user(user=request.user, pk=pk)
    return _render_page(request, lead, tab=DEFAULT_TAB, failure_form=form, status=400)


@require_POST
@login_required
def lead_reactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _lead_state_action(request, pk, lead_reactivate, _("The lead is open again."))


@require_POST
@login_required
def lead_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _lead_state_action(request, pk, lead_archive, _("The lead is archived."))


@require_POST
@login_required
def lead_unarchive_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _lead_state_action(request, pk, lead_unarchive, _("The lead is back among the others."))


def _lead_state_action(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    """A button of the lead page that runs one service on the lead: its refusal or `done`
    flashed on the page."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    try:
        service(lead=lead, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(lead)


def _render_page(
    request: HttpRequest,
    lead: Lead,
    *,
    tab: str,
    failure_form: FailureForm | None = None,
    suggest: str | None = None,
    status: int = 200,
) -> HttpResponse:
    manual_allowed = crm_settings().manual_status_change_allowed
    is_open = not (lead.is_failed or lead.is_deleted or lead.status.is_won)
    # A won lead changes only through its contract's cancellation.
    can_change_status = manual_allowed and is_open
    context = {
        "lead": lead,
        "is_open": is_open,
        "conversations": lead_conversations(lead=lead),
        # Each client's consents (or the inquiry contact's) and any objection: 2 queries.
        "consents": consent_panels(clients=lead.clients.all(), lead=lead),
        # What the apps above leads add to the page (intake: the Telegram chat).
        "lead_panels": lead_page_panels(request, lead),
        "manual_status_change_allowed": manual_allowed,
        "status_form": (
            StatusChangeForm(initial={"status": lead.status_id}) if can_change_status else None
        ),
        "failure_form": (failure_form or FailureForm()) if is_open else None,
        "failure_dialog_open": failure_form is not None,
        "actions": _action_bar(request, lead, is_open=is_open, can_change_status=can_change_status),
        "suggested_status": (
            _suggested_status(lead, slug=suggest) if suggest and can_change_status else None
        ),
        **_tab_context(request, lead, tab if tab in TABS else DEFAULT_TAB),
    }
    return render(request, "leads/detail/page.html", context, status=status)


# The actions of the bar, in the order they are offered; the danger ones close the menu.
DANGER_ACTIONS = ("fail", "delete")


@dataclass(frozen=True)
class ActionBar:
    """The lead's actions split by its state: the two or three that fit it as buttons (the
    first is the main next step), the rest in the "More" menu, danger ones last."""

    main: list[tuple[str, str]]  # (template, role: "primary" or "secondary")
    more: list[tuple[str, str]]  # (template, role: "secondary" or "danger")


def _action_bar(
    request: HttpRequest, lead: Lead, *, is_open: bool, can_change_status: bool
) -> ActionBar:
    inquiry = lead.intake_outcome == IntakeOutcome.NEW
    if lead.is_archived:
        # Nothing reopens or goes on an archived lead until it is unarchived.
        return ActionBar(
            main=[(_action_template("unarchive"), "primary")],
            more=[(_action_template("edit"), "secondary")],
        )
    offered = {
        "edit": True,
        "conversation": not lead.is_deleted and not lead.is_failed,
        "survey": is_open,
        "offer": is_open,
        "reservation": is_open,
        "contract": not lead.is_failed and not lead.is_deleted,
        "note": not lead.is_deleted,
        "upload": not lead.is_deleted,
        "status": can_change_status,
        "verify": inquiry,
        "restore": lead.is_deleted and request.user.has_perm("leads.restore_lead"),
        "reactivate": lead.is_failed,
        "fail": is_open,
        # An inquiry still to verify; the service checks contracts too.
        "delete": inquiry and not lead.has_offer and not lead.has_reservation,
        # A closed lead (won, failed or deleted) may leave the everyday lists.
        "archive": lead_archive_refusal(lead) is None,
    }
    if lead.is_deleted:
        main = ["restore", "note"]
    elif lead.is_failed:
        main = ["reactivate", "note"]
    elif lead.status.is_won:
        main = ["note", "upload", "contract"]
    elif inquiry:
        main = ["verify", "conversation"]
    else:
        main = ["conversation", "offer", "status"]
    main = [slug for slug in main if offered[slug]]
    rest = [slug for slug in offered if offered[slug] and slug not in main]
    rest.sort(key=lambda slug: slug in DANGER_ACTIONS)
    return ActionBar(
        main=[
            (_action_template(slug), "primary" if i == 0 else "secondary")
            for i, slug in enumerate(main)
        ],
        more=[
            (_action_template(slug), "danger" if slug in DANGER_ACTIONS else "secondary")
            for slug in rest
        ],
    )


def _action_template(slug: str) -> str:
    return f"leads/detail/actions/{slug}.html"


def _suggested_status(lead: Lead, *, slug: str) -> LeadStatus | None:
    """The status an action suggested moving to (`?suggest=<slug>`, after a conversation or
    an offer), while it is another active one than the lead's."""
    return LeadStatus.objects.filter(slug=slug, active=True).exclude(pk=lead.status_id).first()


def _tab_context(request: HttpRequest, lead: Lead, tab: str) -> dict:
    counts = lead_tab_counts(lead=lead)  # one query for every tab's count
    return {
        "lead": lead,
        "tab": tab,
        # (slug, label, how many rows it holds or None): "Conversations 12".
        "tabs": [(slug, label, counts.get(slug)) for slug, label in TABS.items()],
        "tab_template": f"leads/detail/tab_{tab}.html",
        **TAB_CONTEXTS[tab](request, lead),
    }


def _clients_tab(request: HttpRequest, lead: Lead) -> dict:
    return {"clients": lead_clients(lead=lead)}


def _contractors_tab(request: HttpRequest, lead: Lead) -> dict:
    return {"contractors": lead_contractors(lead=lead)}


def _offers_tab(request: HttpRequest, lead: Lead) -> dict:
    return {**offers.tab_context(request, lead), **sales.reservations_tab_context(request, lead)}


def _history_tab(request: HttpRequest, lead: Lead) -> dict:
    return {"history_page": lead_history_page(lead=lead, page_number=request.GET.get("page"))}


# What each tab reads, beyond the lead: the tabs of working a lead live with their actions.
TAB_CONTEXTS = {
    "clients": _clients_tab,
    "contractors": _contractors_tab,
    "conversations": conversations.tab_context,
    "surveys": surveys.tab_context,
    "offers": _offers_tab,
    "contracts": sales.contracts_tab_context,
    "documents": documents.tab_context,
    "history": _history_tab,
}


def _belongs_to_form(error: ValidationError, form: FailureForm) -> bool:
    """Whether a service's refusal names the form's own fields (shown next to them)."""
    return hasattr(error, "error_dict") and set(error.error_dict) <= {
        *form.fields,
        NON_FIELD_ERRORS,
    }
