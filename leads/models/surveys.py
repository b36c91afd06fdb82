"""Surveys (ankiety): questionnaires defined by administrators and filled for a lead."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.fields import NameField

from .lead import Lead


class SurveyTemplate(models.Model):
    """A questionnaire (e.g. "Ankieta zakupowa") with ordered questions."""

    name = NameField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Offered first when a survey is filled.")
    )

    class Meta:
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="survey_template_one_default",
                violation_error_message=_("Only one survey template can be the default."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    SINGLE_CHOICE = "single", _("Single choice")
    MULTIPLE_CHOICE = "multiple", _("Multiple choice")
    YES_NO = "yes_no", _("Yes / no")


class SurveyQuestion(models.Model):
    """One question of a template; choices (one per line) for the choice kinds."""

    template = models.ForeignKey(
        SurveyTemplate,
        verbose_name=_("survey template"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = NameField(_("question"), max_length=250)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("For the choice kinds: one choice per line.")
    )

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["template", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=QuestionKind.values), name="survey_question_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    kind__in=[QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE]
                )
                | ~models.Q(choices=""),
                name="survey_question_choices_given",
                violation_error_message=_("A choice question needs its choices, one per line."),
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class SurveyResponse(models.Model):
    """A survey filled for a lead: who filled which template when."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="survey_responses"
    )
    template = models.ForeignKey(
        SurveyTemplate,
        verbose_name=_("survey template"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    filled_at = models.DateTimeField(_("filled"), default=timezone.now)
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filled by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-filled_at", "-id"]
        indexes = [models.Index(fields=["lead", "-filled_at"], name="survey_response_lead_idx")]

    def __str__(self) -> str:
        return f"{self.template} · {self.lead_id}"


class SurveyAnswer(models.Model):
    """One question's answer in a response, as text: a number in its plain form, the
    chosen choices one per line, "yes" / "no"."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    value = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="survey_answer_once_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"
