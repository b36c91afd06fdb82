"""Surveys on a lead: filling one and the Surveys tab."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from leads.detail_selectors import lead_get_light_for_user
from leads.forms.surveys import SurveyForm
from leads.models import Lead, SurveyTemplate
from leads.selectors.surveys import (
    active_survey_templates,
    lead_survey_responses_page,
    survey_template_for_filling,
    survey_template_get,
)
from leads.services.pipeline import lead_closed_refusal
from leads.services.surveys import survey_response_create


def tab_context(request: HttpRequest, lead: Lead) -> dict:
    """What the tab reads beyond the lead: a page of its filled surveys."""
    page = lead_survey_responses_page(lead=lead, page_number=request.GET.get("page"))
    return {"survey_page": page, "survey_can_fill": lead_closed_refusal(lead=lead) is None}


@login_required
@require_safe
def survey_new_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey form for a lead: the default template, or ?template=<id>."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    refusal = lead_closed_refusal(lead=lead)
    template = survey_template_for_filling(pk=request.GET.get("template"))
    if template is None and not refusal:
        refusal = _("No survey is set up yet: an administrator adds one in the admin panel.")
    if refusal:
        messages.error(request, refusal)
        return redirect(lead)
    return _render_form(request, lead, template, SurveyForm(questions=template.questions.all()))


@require_POST
@login_required
def survey_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Store a filled survey; refused, the form again with the errors next to the questions."""
    lead = lead_get_light_for_user(user=request.user, pk=pk)
    template = survey_template_get(pk=request.POST.get("template", ""))
    form = SurveyForm(request.POST, questions=template.questions.all())
    if form.is_valid():
        try:
            survey_response_create(
                lead=lead, template=template, answers=form.answers(), user=request.user
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect(lead)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # the lead or the template, not an answer
                messages.error(request, " ".join(error.messages))
                return redirect(lead)
            form.add_service_errors(error)
        else:
            messages.success(request, _("The survey “%(name)s” is saved.") % {"name": template})
            return redirect(f"{lead.get_absolute_url()}?tab=surveys")
    return _render_form(request, lead, template, form, status=400)


def _render_form(
    request: HttpRequest, lead: Lead, template: SurveyTemplate, form: SurveyForm, status: int = 200
) -> HttpResponse:
    context = {
        "lead": lead,
        "survey_template": template,
        "survey_templates": active_survey_templates(),
        "form": form,
    }
    return render(request, "leads/surveys/fill.html", context, status=status)
