"""Reads of surveys: the templates to fill, a lead's filled surveys (the Surveys tab) and
the default survey's answers for the lead export.

The lead-bound reads take a lead (or lead ids) the caller already got through the user's
scoping (`leads_visible_to`); templates are configuration every user may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats
from django.utils.translation import gettext as _

from crm.core.params import whole_number
from leads.models import (
    Lead,
    QuestionKind,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)

SURVEY_PAGE_SIZE = 10


def active_survey_templates() -> QuerySet[SurveyTemplate]:
    """The templates a survey can be filled from, the default first."""
    return SurveyTemplate.objects.filter(active=True)


def survey_template_for_filling(*, pk: str | None) -> SurveyTemplate | None:
    """The active template with that id (404 when there is none), or without an id the
    default one (else the first active one, or None when no template is active); its
    questions come prefetched in their order."""
    templates = active_survey_templates().prefetch_related(
        Prefetch("questions", queryset=SurveyQuestion.objects.order_by("order", "id"))
    )
    if pk is None:
        return templates.first()
    if whole_number(pk) is None:
        raise Http404
    return get_object_or_404(templates, pk=pk)


def survey_template_get(*, pk: str) -> SurveyTemplate:
    """Any template by its id (a survey being sent may have been deactivated meanwhile:
    the service tells), its questions prefetched in their order; 404 when there is none."""
    if whole_number(pk) is None:
        raise Http404
    return get_object_or_404(
        SurveyTemplate.objects.prefetch_related(
            Prefetch("questions", queryset=SurveyQuestion.objects.order_by("order", "id"))
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class AnsweredQuestion:
    """One question of a filled survey and its answer as shown ("" when unanswered)."""

    question: SurveyQuestion
    answer: str


@dataclass(frozen=True)
class FilledSurvey:
    """One response of the Surveys tab: who filled which template when, and its answers."""

    response: SurveyResponse
    rows: list[AnsweredQuestion]


def lead_survey_responses_page(*, lead: Lead, page_number: Any) -> Page:
    """A page of the lead's filled surveys, newest first, each with every question of its
    template and the answer given (questions added to the template later show none).
    A page costs the same four queries whatever it holds: the count, the responses with
    their templates and authors, the templates' questions, the answers."""
    responses = (
        SurveyResponse.objects.filter(lead=lead)
        .select_related("template", "filled_by")
        .prefetch_related(
            Prefetch(
                "template__questions", queryset=SurveyQuestion.objects.order_by("order", "id")
            ),
            "answers",
        )
        .order_by("-filled_at", "-id")
    )
    page = Paginator(responses, SURVEY_PAGE_SIZE).get_page(page_number)
    page.object_list = [_filled(response) for response in page.object_list]
    return page


def _filled(response: SurveyResponse) -> FilledSurvey:
    values = {answer.question_id: answer.value for answer in response.answers.all()}
    return FilledSurvey(
        response=response,
        rows=[
            AnsweredQuestion(question, answer_display(question, values.get(question.pk, "")))
            for question in response.template.questions.all()
        ],
    )


def answer_display(question: SurveyQuestion, value: str) -> str:
    """A stored answer as people read it: numbers in the local format, the chosen choices
    joined with ", ", yes/no translated."""
    if not value:
        return ""
    if question.kind == QuestionKind.YES_NO:
        return {"yes": _("Yes"), "no": _("No")}.get(value, value)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return ", ".join(value.splitlines())
    if question.kind == QuestionKind.NUMBER:
        number = _number(value)
        return formats.number_format(number, force_grouping=True) if number is not None else value
    return value


# --- The lead export: the default survey's answers ------------------------------------------


def survey_export_questions() -> list[SurveyQuestion]:
    """The default template's questions in their order: one export column each (none when
    no template is the default)."""
    return list(SurveyQuestion.objects.filter(template__is_default=True).order_by("order", "id"))


def survey_export_answers(
    *, lead_ids: Iterable[int], questions: Sequence[SurveyQuestion]
) -> dict[int, list[Any]]:
    """For the given leads, the answers of each lead's newest response to the questions'
    template, as cells in the questions' order: numbers as numbers, yes/no as booleans,
    the chosen choices joined with ", ". One query, whatever the number of leads."""
    if not questions:
        return {}
    responses = SurveyResponse.objects.filter(
        lead_id__in=lead_ids, template_id=questions[0].template_id
    )
    columns = {question.pk: index for index, question in enumerate(questions)}
    cells: dict[int, list[Any]] = {}
    answers = SurveyAnswer.objects.filter(response__in=newest_response_per_lead(responses))
    for lead_id, question_id, value in answers.values_list(
        "response__lead_id", "question_id", "value"
    ):
        if question_id in columns:
            row = cells.setdefault(lead_id, [None] * len(questions))
            row[columns[question_id]] = _export_cell(questions[columns[question_id]], value)
    return cells


def distinct_on_supported() -> bool:
    """Whether the database has DISTINCT ON (…) (PostgreSQL): Django's own feature flag."""
    return connection.features.can_distinct_on_fields


def newest_response_per_lead(responses: QuerySet[SurveyResponse]) -> QuerySet:
    """The ids of each lead's newest response among `responses` (the latest filled, the
    higher id among equals), as a subquery. PostgreSQL's DISTINCT ON reads them in one
    pass of the index; elsewhere (the SQLite demo) a row number per lead does."""
    if distinct_on_supported():
        return responses.order_by("lead_id", "-filled_at", "-id").distinct("lead_id").values("pk")
    return (
        responses.annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("lead_id"),
                order_by=[F("filled_at").desc(), F("id").desc()],
            )
        )
        .filter(rank=1)
        .values("pk")
    )


def _export_cell(question: SurveyQuestion, value: str) -> Any:
    if not value:
        return None
    if question.kind == QuestionKind.NUMBER:
        number = _number(value)
        return number if number is not None else value
    if question.kind == QuestionKind.YES_NO:
        return {"yes": True, "no": False}.get(value, value)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return ", ".join(value.splitlines())
    return value


def _number(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
