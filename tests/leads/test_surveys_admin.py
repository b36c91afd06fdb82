"""Survey templates in admin: an administrator writes a template and its ordered
questions; mistakes are told next to the field; a template or a question that has been
answered is kept (deactivated, never deleted, its kind unchanged)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.models import QuestionKind, SurveyQuestion, SurveyResponse, SurveyTemplate

from . import surveys_fixtures
from .surveys_fixtures import question

pytestmark = pytest.mark.django_db

# The shared fixtures (lead, purchase_survey), made visible to pytest in this module.
lead_fixture = surveys_fixtures.lead_fixture
purchase_survey_fixture = surveys_fixtures.purchase_survey_fixture


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(view: str, *args) -> str:
    return reverse(f"admin:leads_surveytemplate_{view}", args=args)


def template_data(template: SurveyTemplate | None = None, *, new=(), **fields) -> dict:
    """The admin form's POST: the template's fields, its questions as they are (changed by
    `fields` such as questions_0_kind=...), and new questions (dicts) after them."""
    existing = list(template.questions.all()) if template else []
    data = {
        "name": template.name if template else "",
        "description": template.description if template else "",
        "questions-TOTAL_FORMS": len(existing) + len(new),
        "questions-INITIAL_FORMS": len(existing),
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
    }
    if template is None or template.active:
        data["active"] = "on"
    if template is not None and template.is_default:
        data["is_default"] = "on"
    rows = [
        {
            "id": q.pk,
            "template": template.pk,
            "order": q.order,
            "text": q.text,
            "kind": q.kind,
            "choices": q.choices,
            **({"required": "on"} if q.required else {}),
        }
        for q in existing
    ]
    for index, row in enumerate([*rows, *new]):
        for key, value in row.items():
            data[f"questions-{index}-{key}"] = value
    for key, value in fields.items():
        if key.startswith("questions_"):
            _, index, name = key.split("_", 2)
            data[f"questions-{index}-{name}"] = value
        else:
            data[key] = value
    return {key: value for key, value in data.items() if value is not None}


def test_administrator_adds_a_template_with_ordered_questions(admin_client):
    response = admin_client.post(
        url("add"),
        template_data(
            name="Ankieta po prezentacji",
            new=[
                {"order": 2, "text": "Co się podobało?", "kind": QuestionKind.TEXT},
                {
                    "order": 1,
                    "text": "Czy wraca na drugą prezentację?",
                    "kind": QuestionKind.YES_NO,
                    "required": "on",
                },
                {
                    "order": 3,
                    "text": "Które lokale?",
                    "kind": QuestionKind.MULTIPLE_CHOICE,
                    "choices": "  M1 \n\nM2\nM3  ",
                },
            ],
        ),
    )

    assert response.status_code == 302
    template = SurveyTemplate.objects.get(name="Ankieta po prezentacji")
    assert template.active and not template.is_default
    questions = [(q.text, q.kind, q.required) for q in template.questions.all()]
    assert questions == [
        ("Czy wraca na drugą prezentację?", QuestionKind.YES_NO, True),
        ("Co się podobało?", QuestionKind.TEXT, False),
        ("Które lokale?", QuestionKind.MULTIPLE_CHOICE, False),
    ]
    assert template.questions.get(text="Które lokale?").choices == "M1\nM2\nM3"


def test_template_list_shows_question_and_response_counts(admin_client, purchase_survey):
    response = admin_client.get(url("changelist"))
    assert response.status_code == 200
    change = url("change", purchase_survey.pk)
    row = next(row for row in response.text.split("<tr") if change in row)
    assert '<td class="field-question_count">7</td>' in row
    assert '<td class="field-response_count">0</td>' in row


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        (QuestionKind.SINGLE_CHOICE, "", "A choice question needs at least two choices"),
        (QuestionKind.MULTIPLE_CHOICE, " \n ", "A choice question needs at least two choices"),
        (QuestionKind.SINGLE_CHOICE, "Tak\nTak", "Each choice may be given only once."),
        (QuestionKind.NUMBER, "1\n2", "Only the choice kinds have choices"),
    ],
)
def test_choices_mistakes_are_shown_next_to_the_choices(admin_client, kind, choices, message):
    response = admin_client.post(
        url("add"),
        template_data(
            name="Ankieta z błędem",
            new=[{"order": 1, "text": "Pytanie", "kind": kind, "choices": choices}],
        ),
    )

    assert response.status_code == 200
    assert not SurveyTemplate.objects.filter(name="Ankieta z błędem").exists()
    inline = response.context["inline_admin_formsets"][0].formset
    assert message in " ".join(inline.forms[0].errors["choices"])
    assert message in response.text


def test_template_in_use_is_deactivated_not_deleted(admin_client, advisor, lead, purchase_survey):
    SurveyResponse.objects.create(lead=lead, template=purchase_survey, filled_by=advisor)

    change = admin_client.get(url("change", purchase_survey.pk))
    assert url("delete", purchase_survey.pk) not in change.text
    # The delete page sends back to the template with "in use: deactivate it instead".
    asked = admin_client.get(url("delete", purchase_survey.pk))
    assert (asked.status_code, asked.url) == (302, url("change", purchase_survey.pk))
    posted = admin_client.post(url("delete", purchase_survey.pk), {"post": "yes"}, follow=True)
    assert "Deactivate it instead" in posted.text or "dezaktywuj" in posted.text
    assert SurveyTemplate.objects.filter(pk=purchase_survey.pk).exists()

    other = SurveyTemplate.objects.create(name="Zapasowa")
    response = admin_client.post(
        url("change", purchase_survey.pk),
        template_data(purchase_survey, is_default=None, active=None),
    )
    assert response.status_code == 302
    purchase_survey.refresh_from_db()
    assert not purchase_survey.active and not purchase_survey.is_default
    assert SurveyTemplate.objects.filter(pk=other.pk).exists()


def test_unused_template_can_be_deleted(admin_client):
    unused = SurveyTemplate.objects.create(name="Nieużywana")
    SurveyQuestion.objects.create(template=unused, text="Pytanie", kind=QuestionKind.TEXT)

    change = admin_client.get(url("change", unused.pk))
    assert url("delete", unused.pk) in change.text
    assert admin_client.post(url("delete", unused.pk), {"post": "yes"}).status_code == 302
    assert not SurveyTemplate.objects.filter(pk=unused.pk).exists()


def test_bulk_delete_keeps_a_template_in_use(admin_client, advisor, lead, purchase_survey):
    SurveyResponse.objects.create(lead=lead, template=purchase_survey, filled_by=advisor)
    data = {"action": "delete_selected", "_selected_action": [purchase_survey.pk], "post": "yes"}

    admin_client.post(url("changelist"), data)

    assert SurveyTemplate.objects.filter(pk=purchase_survey.pk).exists()


def answer(purchase_survey, advisor, lead, text: str, value: str) -> None:
    response = SurveyResponse.objects.create(lead=lead, template=purchase_survey, filled_by=advisor)
    response.answers.create(question=question(purchase_survey, text), value=value)


def test_answered_question_keeps_its_kind_and_cannot_be_deleted(
    admin_client, advisor, lead, purchase_survey
):
    answer(purchase_survey, advisor, lead, "Budżet (PLN)", "450000")

    changed_kind = admin_client.post(
        url("change", purchase_survey.pk),
        template_data(purchase_survey, questions_0_kind=QuestionKind.TEXT),
    )
    assert changed_kind.status_code == 200
    assert "This question is already answered: its kind cannot change." in changed_kind.text

    deleted = admin_client.post(
        url("change", purchase_survey.pk), template_data(purchase_survey, questions_0_DELETE="on")
    )
    assert deleted.status_code == 200
    assert "Deleting survey question Budżet (PLN) would require deleting" in deleted.text
    assert question(purchase_survey, "Budżet (PLN)").answers.count() == 1
    assert question(purchase_survey, "Budżet (PLN)").kind == QuestionKind.NUMBER


def test_unanswered_question_of_a_used_template_may_change(
    admin_client, advisor, lead, purchase_survey
):
    answer(purchase_survey, advisor, lead, "Budżet (PLN)", "450000")

    response = admin_client.post(
        url("change", purchase_survey.pk),
        template_data(
            purchase_survey,
            questions_2_kind=QuestionKind.TEXT,  # the area, not answered yet
            questions_6_DELETE="on",  # the purpose
            questions_0_text="Budżet w złotych",  # the wording of an answered one may change
        ),
    )

    assert response.status_code == 302
    texts = [(q.text, q.kind) for q in purchase_survey.questions.all()]
    assert ("Powierzchnia (m²)", QuestionKind.TEXT) in texts
    assert ("Budżet w złotych", QuestionKind.NUMBER) in texts
    assert "Cel zakupu" not in [text for text, _ in texts]


def test_a_second_default_template_is_refused_next_to_the_field(admin_client):
    response = admin_client.post(url("add"), template_data(name="Druga", is_default="on"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["is_default"] == [
        "“Ankieta zakupowa” is the default survey: untick its default first."
    ]


def test_the_default_template_must_be_active(admin_client, purchase_survey):
    response = admin_client.post(
        url("change", purchase_survey.pk), template_data(purchase_survey, active=None)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["active"] == [
        "The default survey must be active."
    ]


def test_advisor_cannot_open_the_survey_admin(client, advisor):
    client.force_login(advisor)
    response = client.get(url("changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
