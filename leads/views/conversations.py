"""Conversations on a lead: logging and planning them, the Conversations tab, and "My day"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from crm.core.params import whole_number
from leads.detail_selectors import lead_get_light_for_user
from leads.forms.conversations import ConversationForm, MarkDoneForm, PostponeForm
from leads.models import Lead
from leads.selectors.conversations import (
    conversation_get_for_user,
    lead_conversations_page,
    my_day,
)
from leads.services.conversations import (
    MARKETING_CONFIRM_FIELD,
    conversation_log_and_plan,
    conversation_mark_done,
    conversation_postpone,
    conversation_status_suggestion,
)
from settings_app.selectors import crm_settings


def tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the tab reads beyond the lead: a page of its conversations, planned first."""
    return {
        "conversations_page": lead_conversations_page(
            lead=lead, page_number=request.GET.get("page")
        ),
        "now": timezone.now(),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def conversation_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the "Add conversation" form; POST: log, plan or both."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    posted = request.method == "POST"
    form = ConversationForm(
        request.POST if posted else None,
        lead=lead,
        user=request.user,
        plan_only=request.GET.get("plan") == "1",
        # "Log this call" after a tapped phone: its client, if it is one of the lead's.
        client_id=whole_number(request.GET.get("client")),
    )
    if posted and form.is_valid():
        try:
            done, _planned = conversation_log_and_plan(
                lead=lead,
                user=request.user,
                done=form.done_part(),
                planned=form.planned_part(),
                marketing_confirmed=form.marketing_confirmed,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The conversation is saved."))
            return _after_conversation(lead, suggest=done is not None)
    context = {
        "lead": lead,
        "form": form,
        # "Log anyway" is offered once the service warned of a missing consent.
        "marketing_warning": form.has_error(MARKETING_CONFIRM_FIELD, "no_marketing_consent"),
    }
    return render(request, "leads/conversations/add.html", context, status=400 if posted else 200)


@require_POST
@login_required
def conversation_done_view(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    activity = conversation_get_for_user(user=request.user, lead_pk=pk, pk=activity_pk)
    form = MarkDoneForm(request.POST)
    if form.is_valid():
        try:
            conversation_mark_done(activity=activity, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The conversation is marked as done."))
            return _after_conversation(activity.lead, suggest=True)
    context = {"lead": activity.lead, "activity": activity, "form": form}
    return render(request, "leads/conversations/done.html", context, status=400)


@login_required
@require_safe
def my_day_view(request: HttpRequest) -> HttpResponse:
    day = my_day(user=request.user, page_number=request.GET.get("page"))
    return render(request, "leads/conversations/my_day.html", {"day": day})


@require_POST
@login_required
def my_day_done_view(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    """My day's "mark done": now, with no outcome (the lead page takes one)."""
    activity = conversation_get_for_user(user=request.user, lead_pk=pk, pk=activity_pk)
    try:
        activity = conversation_mark_done(activity=activity, user=request.user)
    except ValidationError as error:
        return _my_day_answer(request, activity, error=" ".join(error.messages))
    return _my_day_answer(request, activity, message=_("The conversation is marked as done."))


@require_POST
@login_required
def my_day_postpone_view(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    """My day's "postpone": the conversation moves to the time given."""
    activity = conversation_get_for_user(user=request.user, lead_pk=pk, pk=activity_pk)
    form = PostponeForm(request.POST)
    if not form.is_valid():
        return _my_day_answer(request, activity, error=" ".join(form.errors["planned_at"]))
    try:
        activity = conversation_postpone(
            activity=activity, user=request.user, planned_at=form.cleaned_data["planned_at"]
        )
    except ValidationError as error:
        return _my_day_answer(request, activity, error=" ".join(error.messages))
    return _my_day_answer(request, activity, message=_("The conversation is postponed."))


def _my_day_answer(
    request: HttpRequest, activity, *, message: str = "", error: str = ""
) -> HttpResponse:
    """htmx: the row again, in place, saying what happened; a plain POST: back to My day."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, message)
        return redirect("leads:my_day")
    activity.lead.name_is_default = activity.lead.name == crm_settings().default_lead_name
    context = {"activity": activity, "message": message, "error": error, "now": timezone.now()}
    return render(request, "leads/conversations/my_day_row.html", context)


def _after_conversation(lead: Lead, *, suggest: bool) -> HttpResponse:
    """Back to the lead: offering the next status after a conversation on a new lead, else
    on its Conversations tab."""
    status = conversation_status_suggestion(lead=lead) if suggest else None
    if status is not None:
        return redirect(f"{lead.get_absolute_url()}?suggest={status.slug}")
    return redirect(f"{lead.get_absolute_url()}?tab=conversations")


def _add_errors(form: Form, error: ValidationError) -> None:
    """A service's refusal next to the fields it names, or above the form."""
    if hasattr(error, "error_dict") and set(error.error_dict) <= {*form.fields, NON_FIELD_ERRORS}:
        form.add_error(None, error)
    else:
        form.add_error(None, " ".join(error.messages))
