"""The survey form: one field per question of a template. It only validates; the view
hands `answers()` to `leads.services.surveys.survey_response_create`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from leads.models import QuestionKind, SurveyQuestion

YES_NO_CHOICES = [("yes", _("Yes")), ("no", _("No"))]
REQUIRED = _("This question needs an answer.")
NOT_LISTED = _("Choose one of the listed answers.")


def question_field_name(question_pk: int) -> str:
    return f"question_{question_pk}"


@dataclass(frozen=True)
class QuestionField:
    """A question and its bound field, for the template to render by kind."""

    question: SurveyQuestion
    field: forms.BoundField

    @property
    def is_choice(self) -> bool:
        return self.question.kind in (
            QuestionKind.SINGLE_CHOICE,
            QuestionKind.MULTIPLE_CHOICE,
            QuestionKind.YES_NO,
        )


class SurveyForm(forms.Form):
    """The questions of one template in their order: text → a text input, number → a
    decimal input, single choice and yes/no → radio buttons, multiple choice → checkboxes."""

    def __init__(self, *args, questions: Sequence[SurveyQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question_field_name(question.pk)] = _field_for(question)

    def question_fields(self) -> list[QuestionField]:
        return [
            QuestionField(question, self[question_field_name(question.pk)])
            for question in self.questions
        ]

    def answers(self) -> dict[int, Any]:
        """The cleaned answers by question id."""
        return {
            question.pk: self.cleaned_data.get(question_field_name(question.pk))
            for question in self.questions
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's refusal next to the questions it names (keyed by question id),
        the rest above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            name = question_field_name(key) if isinstance(key, int) else None
            self.add_error(name if name in self.fields else None, errors)


class NumberAnswerField(forms.DecimalField):
    """A decimal in the user's language (62,5 in Polish), spaces between the thousands
    allowed as people type them ("450 000")."""

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.split())
        return super().to_python(value)


def _field_for(question: SurveyQuestion) -> forms.Field:
    common = {
        "label": question.text,
        "required": question.required,
        "error_messages": {"required": REQUIRED, "invalid_choice": NOT_LISTED},
    }
    choices = [(choice, choice) for choice in question.choice_list]
    if question.kind == QuestionKind.NUMBER:
        return NumberAnswerField(
            min_value=0,
            max_digits=15,
            decimal_places=2,
            localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            **common,
        )
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if question.kind == QuestionKind.YES_NO:
        return forms.ChoiceField(choices=YES_NO_CHOICES, widget=forms.RadioSelect, **common)
    return forms.CharField(max_length=2000, **common)
