"""What the survey stories share: the seeded purchase survey, a lead of the advisor, and
the answers an advisor types into the form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.forms.surveys import question_field_name
from leads.models import Lead, SurveyQuestion, SurveyTemplate
from tests.factories import LeadFactory

PURCHASE_SURVEY = "Ankieta zakupowa"


@pytest.fixture(name="purchase_survey")
def purchase_survey_fixture(db) -> SurveyTemplate:
    return SurveyTemplate.objects.get(name=PURCHASE_SURVEY)


@pytest.fixture(name="lead")
def lead_fixture(advisor) -> Lead:
    return LeadFactory(name="Mieszkanie dla Turzów", branch=advisor.branch, employees=[advisor])


def question(template: SurveyTemplate, text: str) -> SurveyQuestion:
    return template.questions.get(text=text)


def form_data(template: SurveyTemplate, **answers_by_text) -> dict:
    """The POST of the survey form: answers by question text (a list for checkboxes)."""
    data = {"template": template.pk}
    for text, value in answers_by_text.items():
        data[question_field_name(question(template, text).pk)] = value
    return data


# The purchase survey filled the way an advisor would (question texts as seeded).
FULL_ANSWERS = {
    "Budżet (PLN)": "450000",
    "Liczba pokoi": "3",
    "Powierzchnia (m²)": "62.5",
    "Piętro": ["Wysokie (3+)", "Parter"],
    "Finansowanie": "Kredyt hipoteczny",
    "Termin zakupu": "Do 3 miesięcy",
    "Cel zakupu": "Na własne potrzeby",
}


def fill(web, lead: Lead, template: SurveyTemplate, answers: dict | None = None):
    answers = FULL_ANSWERS if answers is None else answers
    return web.post(reverse("leads:survey_create", args=[lead.pk]), form_data(template, **answers))
