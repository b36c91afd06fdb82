"""Surveys (ankiety) on a lead: the seeded purchase survey, filling it on its own page
(errors next to the questions, nothing stored when refused), the Surveys tab, who may do
it, closed and deleted leads, and the survey answers in the lead export."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from leads.exports import LEAD_COLUMNS, consent_export_columns
from leads.forms.surveys import question_field_name
from leads.models import (
    DeletionReason,
    FailureReason,
    IntakeOutcome,
    QuestionKind,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)
from leads.services.pipeline import lead_mark_failed
from leads.services.surveys import survey_response_create
from tests.factories import LeadFactory, status

from . import surveys_fixtures
from .surveys_fixtures import FULL_ANSWERS, fill, question

# The shared fixtures (lead, purchase_survey), made visible to pytest in this module.
lead_fixture = surveys_fixtures.lead_fixture
purchase_survey_fixture = surveys_fixtures.purchase_survey_fixture

pytestmark = pytest.mark.django_db

# The survey's columns follow the list's and the marketing consents' (leads.exports).
SURVEY_START = len(LEAD_COLUMNS) + len(consent_export_columns())


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are read in English, as the `web` client reads its pages."""
    with translation.override("en"):
        yield


def new_url(lead, **query) -> str:
    url = reverse("leads:survey_new", args=[lead.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def tab(web, lead, page=None):
    url = reverse("leads:tab", args=[lead.pk, "surveys"])
    return web.get(url, {"page": page} if page else {}, HTTP_HX_REQUEST="true")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def stored_answers(response: SurveyResponse) -> dict[str, str]:
    return {answer.question.text: answer.value for answer in response.answers.all()}


@pytest.fixture
def lifestyle_survey() -> SurveyTemplate:
    """A second, active template with a yes/no question and a free text one."""
    template = SurveyTemplate.objects.create(name="Styl życia")
    SurveyQuestion.objects.create(
        template=template, order=1, text="Ma psa?", kind=QuestionKind.YES_NO, required=True
    )
    SurveyQuestion.objects.create(template=template, order=2, text="Uwagi", kind=QuestionKind.TEXT)
    return template


# -- The seeded survey -------------------------------------------------------------------------


def test_purchase_survey_is_seeded_as_the_default_with_its_seven_questions(purchase_survey):
    assert purchase_survey.is_default
    assert purchase_survey.active
    questions = [(q.text, q.kind, q.required) for q in purchase_survey.questions.all()]
    assert questions == [
        ("Budżet (PLN)", QuestionKind.NUMBER, True),
        ("Liczba pokoi", QuestionKind.SINGLE_CHOICE, True),
        ("Powierzchnia (m²)", QuestionKind.NUMBER, False),
        ("Piętro", QuestionKind.MULTIPLE_CHOICE, False),
        ("Finansowanie", QuestionKind.SINGLE_CHOICE, True),
        ("Termin zakupu", QuestionKind.SINGLE_CHOICE, False),
        ("Cel zakupu", QuestionKind.SINGLE_CHOICE, False),
    ]
    financing = question(purchase_survey, "Finansowanie")
    assert financing.choice_list == ["Gotówka", "Kredyt hipoteczny"]


# -- Filling a survey --------------------------------------------------------------------------


def test_open_lead_offers_to_fill_a_survey(web, lead):
    response = web.get(lead.get_absolute_url())
    assert 'id="lead-survey-fill"' in response.text
    assert reverse("leads:survey_new", args=[lead.pk]) in response.text


def test_survey_form_shows_each_question_by_its_kind(web, lead, purchase_survey):
    response = web.get(new_url(lead))

    assert response.status_code == 200
    assert response.context["survey_template"] == purchase_survey
    page = response.text
    budget = question_field_name(question(purchase_survey, "Budżet (PLN)").pk)
    rooms = question_field_name(question(purchase_survey, "Liczba pokoi").pk)
    floor = question_field_name(question(purchase_survey, "Piętro").pk)
    assert f'name="{budget}"' in page and 'inputmode="decimal"' in page
    assert page.count(f'type="radio" name="{rooms}"') == 5
    assert page.count(f'type="checkbox" name="{floor}"') == 4
    assert "<legend>Liczba pokoi *</legend>" in page  # required is marked
    assert "<legend>Piętro</legend>" in page
    assert "Budżet (PLN) *" in page


def test_advisor_fills_the_survey_and_sees_it_in_the_tab(web, advisor, lead, purchase_survey):
    response = fill(web, lead, purchase_survey)

    assert response.status_code == 302
    assert response["Location"] == f"{lead.get_absolute_url()}?tab=surveys"
    filled = SurveyResponse.objects.get(lead=lead)
    assert (filled.template, filled.filled_by) == (purchase_survey, advisor)
    assert stored_answers(filled) == {
        "Budżet (PLN)": "450000",
        "Liczba pokoi": "3",
        "Powierzchnia (m²)": "62.5",
        "Piętro": "Parter\nWysokie (3+)",  # one per line, in the question's order
        "Finansowanie": "Kredyt hipoteczny",
        "Termin zakupu": "Do 3 miesięcy",
        "Cel zakupu": "Na własne potrzeby",
    }

    page = tab(web, lead).text
    assert "Ankieta zakupowa" in page
    assert "Anna Wiśniewska" in page
    assert timezone.localtime(filled.filled_at).strftime("%d.%m.%Y") in page
    assert "<dt>Piętro</dt>" in page
    assert "<dd>Parter, Wysokie (3+)</dd>" in page
    assert "<dd>450,000</dd>" in page
    assert "<dd>Kredyt hipoteczny</dd>" in page


def test_polish_advisor_types_decimals_with_a_comma(client, advisor, lead, purchase_survey):
    client.force_login(advisor)
    answers = {**FULL_ANSWERS, "Powierzchnia (m²)": "62,75", "Budżet (PLN)": "450 000"}

    response = fill(client, lead, purchase_survey, answers)

    assert response.status_code == 302
    values = stored_answers(SurveyResponse.objects.get(lead=lead))
    assert values["Powierzchnia (m²)"] == "62.75"
    assert values["Budżet (PLN)"] == "450000"
    page = client.get(lead.get_absolute_url(), {"tab": "surveys"}).text
    assert "62,75" in page
    assert "450\xa0000" in page


def test_optional_questions_may_stay_unanswered(web, lead, purchase_survey):
    required_only = {
        "Budżet (PLN)": "300000",
        "Liczba pokoi": "2",
        "Finansowanie": "Gotówka",
    }

    assert fill(web, lead, purchase_survey, required_only).status_code == 302

    filled = SurveyResponse.objects.get(lead=lead)
    assert stored_answers(filled) == required_only
    page = tab(web, lead).text
    # Every question of the survey is listed; the unanswered ones show a dash.
    assert "<dt>Cel zakupu</dt>" in page
    assert page.count('title="No answer"') == 4


def test_survey_missing_required_answers_shows_errors_and_stores_nothing(
    web, lead, purchase_survey
):
    answers = {**FULL_ANSWERS}
    del answers["Liczba pokoi"]
    answers["Budżet (PLN)"] = ""

    response = fill(web, lead, purchase_survey, answers)

    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()
    assert not SurveyAnswer.objects.exists()
    form = response.context["form"]
    rooms = question_field_name(question(purchase_survey, "Liczba pokoi").pk)
    budget = question_field_name(question(purchase_survey, "Budżet (PLN)").pk)
    assert form.errors == {
        rooms: ["This question needs an answer."],
        budget: ["This question needs an answer."],
    }
    # The error stands next to its question, and the other answers are kept.
    rooms_id = question(purchase_survey, "Liczba pokoi").pk
    rooms_block = response.text.split(f'id="survey-question-{rooms_id}"')[1].split("</fieldset>")[0]
    assert "This question needs an answer." in rooms_block
    financing = question_field_name(question(purchase_survey, "Finansowanie").pk)
    assert f'value="Kredyt hipoteczny" id="id_{financing}_1" required checked' in response.text
    assert 'id="survey-form-errors"' in response.text


@pytest.mark.parametrize(
    ("text", "value", "message"),
    [
        ("Liczba pokoi", "7", "Choose one of the listed answers."),
        ("Piętro", ["Parter", "Piwnica"], "Choose one of the listed answers."),
        ("Budżet (PLN)", "dużo", "Enter a number."),
        ("Budżet (PLN)", "-5", "Ensure this value is greater than or equal to 0."),
        ("Budżet (PLN)", "NaN", "Enter a number."),
    ],
)
def test_answers_outside_the_choices_or_not_numbers_are_refused(
    web, lead, purchase_survey, text, value, message
):
    response = fill(web, lead, purchase_survey, {**FULL_ANSWERS, text: value})

    assert response.status_code == 400
    field = question_field_name(question(purchase_survey, text).pk)
    assert response.context["form"].errors[field] == [message]
    assert not SurveyResponse.objects.exists()


def test_another_active_survey_is_chosen_with_the_template_parameter(
    web, lead, purchase_survey, lifestyle_survey
):
    default_page = web.get(new_url(lead))
    assert 'id="survey-template-switch"' in default_page.text  # two surveys to choose from

    response = web.get(new_url(lead, template=lifestyle_survey.pk))
    assert response.context["survey_template"] == lifestyle_survey
    dog = question_field_name(question(lifestyle_survey, "Ma psa?").pk)
    assert response.text.count(f'type="radio" name="{dog}"') == 2

    assert fill(web, lead, lifestyle_survey, {"Ma psa?": "yes", "Uwagi": "Duży"}).status_code == 302
    filled = SurveyResponse.objects.get(lead=lead)
    assert filled.template == lifestyle_survey
    assert stored_answers(filled) == {"Ma psa?": "yes", "Uwagi": "Duży"}
    assert "<dd>Yes</dd>" in tab(web, lead).text


def test_an_empty_survey_is_not_saved(web, lead, lifestyle_survey):
    lifestyle_survey.questions.update(required=False)

    response = fill(web, lead, lifestyle_survey, {"Uwagi": "  "})

    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()
    expected = "Answer at least one question: an empty survey is not saved."
    assert response.context["form"].non_field_errors() == [expected]
    assert expected in response.text


def test_a_survey_without_questions_cannot_be_sent(web, lead):
    empty = SurveyTemplate.objects.create(name="Pusta")

    response = web.get(new_url(lead, template=empty.pk))

    assert "This survey has no questions yet." in response.text
    assert "Save the survey" not in response.text


@pytest.mark.parametrize("template", ["inactive", "999999", "abc"])
def test_unknown_or_inactive_survey_is_not_found(web, lead, lifestyle_survey, template):
    lifestyle_survey.active = False
    lifestyle_survey.save()
    chosen = lifestyle_survey.pk if template == "inactive" else template
    assert web.get(new_url(lead, template=chosen)).status_code == 404


def test_survey_deactivated_while_being_filled_is_refused(web, lead, lifestyle_survey):
    lifestyle_survey.active = False
    lifestyle_survey.save()

    response = fill(
        web,
        lead,
        lifestyle_survey,
        {"Ma psa?": "no"},
    )

    assert response.status_code == 302
    assert not SurveyResponse.objects.exists()
    follow = web.get(response["Location"])
    assert "The survey “Styl życia” is no longer used." in messages_of(follow)


def test_without_any_active_survey_the_advisor_is_told_so(web, lead):
    SurveyTemplate.objects.update(active=False, is_default=False)

    response = web.get(new_url(lead), follow=True)

    assert response.redirect_chain[-1][0] == lead.get_absolute_url()
    assert any("No survey is set up yet" in m for m in messages_of(response))


def test_manager_of_the_branch_fills_a_survey_too(client, manager, lead, purchase_survey):
    client.force_login(manager)
    assert fill(client, lead, purchase_survey).status_code == 302
    assert SurveyResponse.objects.get().filled_by == manager


# -- Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["outsider", "teammate", "other_manager"])
def test_user_who_cannot_see_the_lead_gets_404_everywhere(
    client, request, actor, lead, purchase_survey
):
    client.force_login(request.getfixturevalue(actor))

    assert client.get(new_url(lead)).status_code == 404
    assert fill(client, lead, purchase_survey).status_code == 404
    url = reverse("leads:tab", args=[lead.pk, "surveys"])
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404
    assert not SurveyResponse.objects.exists()


def test_storing_a_survey_answers_get_with_405(web, lead):
    assert web.get(reverse("leads:survey_create", args=[lead.pk])).status_code == 405


def test_fill_page_answers_post_with_405(web, lead):
    assert web.post(new_url(lead)).status_code == 405


def test_anonymous_user_is_sent_to_log_in(client, lead, purchase_survey):
    response = client.get(new_url(lead))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert fill(client, lead, purchase_survey).status_code == 302
    assert not SurveyResponse.objects.exists()


def test_user_whose_role_does_not_include_surveys_is_refused(web, advisor, lead, purchase_survey):
    advisor.groups.clear()

    response = fill(web, lead, purchase_survey)

    assert response.status_code == 302
    assert not SurveyResponse.objects.exists()
    assert "Your role does not include filling surveys." in messages_of(
        web.get(lead.get_absolute_url())
    )


# -- Closed and deleted leads: no new survey, the filled ones stay visible ----------------------


def close(lead, advisor, how: str):
    if how == "failed":
        lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    elif how == "won":
        lead.status = status("umowa")
        lead.closed_at = timezone.now()
        lead.save()
    else:
        lead.intake_outcome = IntakeOutcome.DELETED
        lead.deletion_reason = DeletionReason.objects.get(name="Spam")
        lead.save()


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("failed", "This lead is marked as a failure; reactivate it first."),
        ("won", "This lead is won and closed."),
        ("deleted", "This inquiry is deleted; restore it first."),
    ],
)
def test_closed_or_deleted_lead_takes_no_new_survey(
    web, advisor, lead, purchase_survey, how, message
):
    fill(web, lead, purchase_survey)
    close(lead, advisor, how)

    page = web.get(lead.get_absolute_url(), {"tab": "surveys"})
    assert 'id="lead-survey-fill"' not in page.text
    assert 'id="survey-tab-fill"' not in page.text
    assert "<dd>Kredyt hipoteczny</dd>" in page.text  # the filled survey is still shown

    refused_page = web.get(new_url(lead), follow=True)
    assert refused_page.redirect_chain[-1][0] == lead.get_absolute_url()
    assert message in messages_of(refused_page)

    refused = fill(web, lead, purchase_survey)
    assert refused.status_code == 302
    assert SurveyResponse.objects.count() == 1
    assert message in messages_of(web.get(lead.get_absolute_url()))


# -- The service -------------------------------------------------------------------------------


def test_service_stores_values_as_text(advisor, lead, purchase_survey, lifestyle_survey):
    by_text = {q.text: q.pk for q in SurveyQuestion.objects.all()}

    survey_response_create(
        lead=lead,
        template=purchase_survey,
        answers={
            by_text["Budżet (PLN)"]: Decimal("450000.00"),
            by_text["Liczba pokoi"]: "2",
            by_text["Powierzchnia (m²)"]: 48,
            by_text["Piętro"]: ["Ostatnie", "Parter"],
            by_text["Finansowanie"]: "Gotówka",
        },
        user=advisor,
    )
    survey_response_create(
        lead=lead, template=lifestyle_survey, answers={by_text["Ma psa?"]: False}, user=advisor
    )

    purchase, lifestyle = (
        SurveyResponse.objects.get(template=purchase_survey),
        SurveyResponse.objects.get(template=lifestyle_survey),
    )
    assert stored_answers(purchase) == {
        "Budżet (PLN)": "450000",
        "Liczba pokoi": "2",
        "Powierzchnia (m²)": "48",
        "Piętro": "Parter\nOstatnie",
        "Finansowanie": "Gotówka",
    }
    assert stored_answers(lifestyle) == {"Ma psa?": "no"}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"Liczba pokoi": "2", "Finansowanie": ""}, "This question needs an answer."),
        ({"Liczba pokoi": "2", "Finansowanie": "Leasing"}, "Choose one of the listed answers."),
        ({"Liczba pokoi": "2", "Budżet (PLN)": "1e400"}, "This number is too large."),
        ({"Liczba pokoi": "2", "Budżet (PLN)": "Infinity"}, "Enter a number."),
    ],
)
def test_service_refuses_the_whole_survey_naming_the_question(
    advisor, lead, purchase_survey, answers, message
):
    valid = {"Budżet (PLN)": "1", "Finansowanie": "Gotówka"}
    ids = {text: question(purchase_survey, text).pk for text in {**valid, **answers}}
    with pytest.raises(ValidationError) as refused:
        survey_response_create(
            lead=lead,
            template=purchase_survey,
            answers={ids[text]: value for text, value in {**valid, **answers}.items()},
            user=advisor,
        )
    assert message in str(refused.value.message_dict)
    assert not SurveyResponse.objects.exists()


def test_service_refuses_answers_to_questions_of_another_survey(
    advisor, lead, purchase_survey, lifestyle_survey
):
    with pytest.raises(ValidationError, match="questions this survey does not have"):
        survey_response_create(
            lead=lead,
            template=purchase_survey,
            answers={question(lifestyle_survey, "Ma psa?").pk: "yes"},
            user=advisor,
        )


def test_service_refuses_a_user_without_the_permission(advisor, lead, purchase_survey):
    advisor.groups.clear()
    with pytest.raises(PermissionDenied):
        survey_response_create(lead=lead, template=purchase_survey, answers={}, user=advisor)


# -- The Surveys tab ---------------------------------------------------------------------------


def test_tab_without_surveys_says_so_and_offers_to_fill_one(web, lead):
    page = tab(web, lead).text
    assert "No survey is filled for this lead yet." in page
    assert 'id="survey-tab-fill"' in page


def add_responses(lead, template, user, count: int) -> list[SurveyResponse]:
    now = timezone.now()
    made = []
    for n in range(count):
        response = SurveyResponse.objects.create(
            lead=lead, template=template, filled_by=user, filled_at=now - timedelta(days=n)
        )
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(response=response, question=q, value=f"{100 + n}")
            for q in template.questions.filter(kind=QuestionKind.NUMBER)
        )
        made.append(response)
    return made


def test_tab_lists_surveys_newest_first_ten_a_page(web, advisor, lead, purchase_survey):
    responses = add_responses(lead, purchase_survey, advisor, 12)

    first = tab(web, lead)
    shown = [filled.response for filled in first.context["survey_page"]]
    assert shown == responses[:10]
    assert 'id="surveys-older"' in first.text

    second = tab(web, lead, page=2)
    assert [filled.response for filled in second.context["survey_page"]] == responses[10:]
    assert 'id="surveys-newer"' in second.text


def test_tab_as_a_plain_link_opens_the_page_on_that_tab(web, advisor, lead, purchase_survey):
    add_responses(lead, purchase_survey, advisor, 1)
    response = web.get(lead.get_absolute_url(), {"tab": "surveys"})
    assert response.status_code == 200
    assert 'id="lead-surveys"' in response.text


def test_survey_of_a_removed_user_still_shows(web, teammate, lead, purchase_survey):
    add_responses(lead, purchase_survey, teammate, 1)
    teammate.delete()
    assert "a removed user" in tab(web, lead).text


@pytest.mark.parametrize("count", [1, 10])
def test_surveys_tab_takes_a_fixed_number_of_queries(
    web, advisor, lead, purchase_survey, lifestyle_survey, count, django_assert_num_queries
):
    add_responses(lead, purchase_survey, advisor, count)
    add_responses(lead, lifestyle_survey, advisor, count)
    # session, user, the lead (scoped); the tab bar's counts (one query for all the tabs);
    # the count, the page of responses with their templates and authors, the templates'
    # questions, the answers.
    with django_assert_num_queries(8):
        response = tab(web, lead)
    assert len(response.context["survey_page"].object_list) == min(2 * count, 10)


# -- The lead export ---------------------------------------------------------------------------


def export_sheet(client, user):
    client.force_login(user)
    response = client.post(f"{reverse('leads:export')}?sort=name", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@pytest.mark.parametrize("distinct_on", [True, False], ids=["distinct-on", "row-number"])
def test_export_carries_the_newest_answers_of_the_default_survey(
    client, advisor, manager, lead, purchase_survey, lifestyle_survey, distinct_on, monkeypatch
):
    # PostgreSQL picks each lead's newest response with DISTINCT ON; the SQLite demo,
    # which has none, with a row number per lead: both give the same answers.
    monkeypatch.setattr("leads.selectors.surveys.distinct_on_supported", lambda: distinct_on)
    fill_web = client
    fill_web.force_login(advisor)
    older = {**FULL_ANSWERS, "Budżet (PLN)": "300000", "Finansowanie": "Gotówka"}
    fill(fill_web, lead, purchase_survey, older)
    SurveyResponse.objects.update(filled_at=timezone.now() - timedelta(days=3))
    fill(fill_web, lead, purchase_survey)
    # A newer response of another survey does not hide the purchase survey's answers.
    fill(fill_web, lead, lifestyle_survey, {"Ma psa?": "yes"})
    LeadFactory(name="Bez ankiety", branch=manager.branch)

    sheet = export_sheet(client, manager)

    headers = [cell.value for cell in sheet[1]]
    assert headers[SURVEY_START:] == [q.text for q in purchase_survey.questions.all()]
    rows = {
        row[0].value: [cell.value for cell in row[SURVEY_START:]]
        for row in sheet.iter_rows(min_row=2)
    }
    assert rows["Mieszkanie dla Turzów"] == [
        450000,
        "3",
        62.5,
        "Parter, Wysokie (3+)",
        "Kredyt hipoteczny",
        "Do 3 miesięcy",
        "Na własne potrzeby",
    ]
    assert rows["Bez ankiety"] == [None] * 7


def test_export_follows_the_default_survey_and_has_none_without_one(
    client, advisor, manager, lead, purchase_survey, lifestyle_survey
):
    client.force_login(advisor)
    fill(client, lead, lifestyle_survey, {"Ma psa?": "no", "Uwagi": "Kot"})
    purchase_survey.is_default = False
    purchase_survey.save()

    headers = [cell.value for cell in export_sheet(client, manager)[1]]
    assert len(headers) == SURVEY_START

    lifestyle_survey.is_default = True
    lifestyle_survey.save()
    sheet = export_sheet(client, manager)
    assert [cell.value for cell in sheet[1]][SURVEY_START:] == ["Ma psa?", "Uwagi"]
    assert [cell.value for cell in sheet[2]][SURVEY_START:] == ["No", "Kot"]


@pytest.mark.parametrize("count", [1, 8])
def test_export_with_survey_answers_takes_a_fixed_number_of_queries(
    client, advisor, manager, purchase_survey, count, django_assert_num_queries
):
    for n in range(count):
        one = LeadFactory(name=f"Sprawa {n}", branch=manager.branch, employees=[advisor])
        add_responses(one, purchase_survey, advisor, 2)
    client.force_login(manager)
    # session, user, permissions (user's and groups'), the capped count, the survey's
    # questions, the leads, and one query each for clients, employees, investments and
    # the survey answers; the consents of the leads' people.
    with django_assert_num_queries(12):
        response = client.post(reverse("leads:export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    # The newest response (filled today) wins over the one of the day before.
    assert [row[SURVEY_START].value for row in sheet.iter_rows(min_row=2)] == [100] * count
