"""Surveys (ankiety): filling a survey for a lead.

A response and all its answers are stored in one transaction, or nothing is: a survey
missing a required answer, or with an answer that is not one of the question's choices or
not a number, is refused whole with the reason per question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.models import User
from leads.models import (
    Lead,
    QuestionKind,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)

from .pipeline import lead_closed_refusal

YES = "yes"
NO = "no"
# The largest number an answer may hold: 13 digits before the point, 2 after.
NUMBER_LIMIT = Decimal("10") ** 13


@transaction.atomic
def survey_response_create(
    *,
    lead: Lead,
    template: SurveyTemplate,
    answers: Mapping[int, Any],
    user: User,
) -> SurveyResponse:
    """Store a filled survey for an open lead: a SurveyResponse and one SurveyAnswer per
    answered question of the (active) template.

    `answers` maps a question's id to its answer: text, a number (Decimal, int or its text),
    a choice, a list of choices, or yes/no (a bool or "yes"/"no"); a blank or missing
    answer leaves the question unanswered. Values are stored as text: numbers plain, the
    chosen choices one per line in the question's order, "yes"/"no".

    Raises PermissionDenied without the permission, ValidationError for a closed or deleted
    lead or an inactive template, and a ValidationError with a dict for invalid answers
    (keyed by the question's id) or for a survey with no answer at all (NON_FIELD_ERRORS).
    """
    if not user.has_perm("leads.add_surveyresponse"):
        raise PermissionDenied(_("Your role does not include filling surveys."))
    # Locked: a lead closed by someone else meanwhile gets no survey.
    lead = Lead.objects.select_for_update().select_related("status").get(pk=lead.pk)
    refusal = lead_closed_refusal(lead=lead)
    if refusal:
        raise ValidationError(refusal)
    if not template.active:
        raise ValidationError(
            _("The survey “%(template)s” is no longer used.") % {"template": template}
        )
    questions = list(template.questions.all())
    if set(answers) - {question.pk for question in questions}:
        raise ValidationError(_("Some answers are for questions this survey does not have."))
    values = _answer_texts(questions, answers)

    response = SurveyResponse(lead=lead, template=template, filled_by=user)
    response.full_clean()
    response.save()
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, question=question, value=value)
        for question, value in values
    )
    return response


def _answer_texts(
    questions: Iterable[SurveyQuestion], answers: Mapping[int, Any]
) -> list[tuple[SurveyQuestion, str]]:
    """The answered questions with their values as stored; every refusal at once."""
    values, errors = [], {}
    for question in questions:
        try:
            value = survey_answer_text(question=question, value=answers.get(question.pk))
        except ValidationError as error:
            errors[question.pk] = error.messages
            continue
        if value:
            values.append((question, value))
        elif question.required:
            errors[question.pk] = [_("This question needs an answer.")]
    if errors:
        raise ValidationError(errors)
    if not values:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("Answer at least one question: an empty survey is not saved.")}
        )
    return values


def survey_answer_text(*, question: SurveyQuestion, value: Any) -> str:
    """One answer as stored (empty when unanswered); ValidationError when it does not fit
    the question's kind."""
    if value is None:
        return ""
    if question.kind == QuestionKind.NUMBER:
        return _number_text(value)
    if question.kind == QuestionKind.YES_NO:
        return _yes_no_text(value)
    if question.kind == QuestionKind.SINGLE_CHOICE:
        chosen = str(value).strip()
        if chosen and chosen not in question.choice_list:
            raise ValidationError(_("Choose one of the listed answers."))
        return chosen
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        chosen = set(value.splitlines() if isinstance(value, str) else map(str, value))
        chosen = {choice.strip() for choice in chosen} - {""}
        if chosen - set(question.choice_list):
            raise ValidationError(_("Choose only among the listed answers."))
        return "\n".join(choice for choice in question.choice_list if choice in chosen)
    return str(value).strip()


def _number_text(value: Any) -> str:
    if isinstance(value, str):
        value = value.strip().replace(",", ".").replace(" ", "").replace("\xa0", "")
        if not value:
            return ""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(_("Enter a number.")) from None
    if not number.is_finite():
        raise ValidationError(_("Enter a number."))
    if number < 0:
        raise ValidationError(_("Enter a number of zero or more."))
    if number >= NUMBER_LIMIT:
        raise ValidationError(_("This number is too large."))
    # Plain notation without trailing zeros: 450000, 62.5 (never 4.5E+5).
    return format(number.normalize(), "f")


def _yes_no_text(value: Any) -> str:
    if isinstance(value, bool):
        return YES if value else NO
    text = str(value).strip().lower()
    if text in ("", YES, NO):
        return text
    raise ValidationError(_("Answer yes or no."))
