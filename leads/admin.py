from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.admin_in_use import DeactivateInUseAdmin

from .models import AssignmentRule, DeletionReason, FailureReason, LeadStatus
from .models.surveys import QuestionKind, SurveyQuestion, SurveyTemplate
from .services.figures import lead_figures_rebuild_later


class AssignmentRuleForm(forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = [
            "name",
            "active",
            "priority",
            "strategy",
            "sources",
            "investments",
            "pool",
            "fallback_pool",
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("pool") and not cleaned.get("fallback_pool"):
            message = _("Choose at least one advisor, in the pool or the fallback pool.")
            self.add_error("pool", message)
        return cleaned


@admin.register(LeadStatus)
class LeadStatusAdmin(DeactivateInUseAdmin):
    """A status that leads stand in (or stood in) is deactivated, not deleted."""

    list_display = ["name", "order", "colour", "is_won", "active"]
    list_display_links = ["name"]
    list_editable = ["order", "colour", "is_won", "active"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The leads' furthest status reached is kept as an order (the reports' funnel).
        # Once per request: the list's editable column saves each changed row in turn.
        if change and "order" in form.changed_data and not getattr(request, "_rebuild", False):
            request._rebuild = True
            lead_figures_rebuild_later()
            self.message_user(
                request,
                _("The leads' report figures will be recomputed for the new order in a moment."),
                messages.INFO,
            )


class UsedReasonAdmin(DeactivateInUseAdmin):
    """Reasons are deactivated, never deleted once a lead uses them (reports need them)."""

    list_display = ["name", "active", "lead_count"]
    list_editable = ["active"]
    list_filter = ["active"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lead_total=Count("leads"))

    @admin.display(description=_("leads"), ordering="lead_total")
    def lead_count(self, obj) -> int:
        return obj.lead_total


admin.site.register(FailureReason, UsedReasonAdmin)
admin.site.register(DeletionReason, UsedReasonAdmin)


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    """Who gets new inquiries. Tried by priority; the first rule whose conditions match
    and that has an active advisor decides."""

    form = AssignmentRuleForm
    list_display = ["name", "priority", "strategy", "active", "conditions", "pool_size"]
    list_display_links = ["name"]
    list_editable = ["priority", "active"]
    list_filter = ["active", "strategy"]
    filter_horizontal = ["sources", "investments", "pool", "fallback_pool"]
    fieldsets = [
        (None, {"fields": ["name", "active", "priority", "strategy"]}),
        (_("When"), {"fields": ["sources", "investments"]}),
        (pgettext_lazy("who gets the inquiries", "Who"), {"fields": ["pool", "fallback_pool"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("sources", "investments")
            .annotate(pool_count=Count("pool", distinct=True))
        )

    @admin.display(description=_("conditions"))
    def conditions(self, rule: AssignmentRule) -> str:
        parts = [
            ", ".join(map(str, rule.sources.all())),
            ", ".join(map(str, rule.investments.all())),
        ]
        return " · ".join(filter(None, parts)) or str(_("any inquiry"))

    @admin.display(description=_("advisors"), ordering="pool_count")
    def pool_size(self, rule: AssignmentRule) -> int:
        return rule.pool_count


# -- Surveys ------------------------------------------------------------------------------

CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


class SurveyQuestionForm(forms.ModelForm):
    """One question; the rules of its choices are told next to the choices field."""

    class Meta:
        model = SurveyQuestion
        fields = ["order", "text", "kind", "required", "choices"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 3, "cols": 30})}

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        lines = [line.strip() for line in cleaned.get("choices", "").splitlines()]
        choices = [line for line in lines if line]
        if kind in CHOICE_KINDS:
            if len(choices) < 2:
                message = _("A choice question needs at least two choices, one per line.")
                self.add_error("choices", message)
            elif len(set(choices)) < len(choices):
                self.add_error("choices", _("Each choice may be given only once."))
        elif choices and kind:
            self.add_error("choices", _("Only the choice kinds have choices: leave this empty."))
        cleaned["choices"] = "\n".join(choices)
        answered = self.instance.pk is not None and self.instance.answers.exists()
        if answered and "kind" in self.changed_data:
            message = _("This question is already answered: its kind cannot change.")
            self.add_error("kind", message + " " + _("Add a new question instead."))
        return cleaned


class SurveyQuestionInline(admin.TabularInline):
    """The questions in their order. An answered question cannot be deleted: admin refuses
    it (its answers protect it) with the answers named."""

    model = SurveyQuestion
    form = SurveyQuestionForm
    extra = 1
    ordering = ["order", "id"]


class SurveyTemplateForm(forms.ModelForm):
    class Meta:
        model = SurveyTemplate
        fields = ["name", "description", "is_default", "active"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_default"):
            if not cleaned.get("active"):
                self.add_error("active", _("The default survey must be active."))
            other = SurveyTemplate.objects.filter(is_default=True).exclude(pk=self.instance.pk)
            if (current := other.first()) is not None:
                message = _("“%(name)s” is the default survey: untick its default first.")
                self.add_error("is_default", message % {"name": current})
        return cleaned


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(DeactivateInUseAdmin):
    """Survey templates and their questions in order. A template that has been filled is
    deactivated, never deleted (its responses keep it)."""

    form = SurveyTemplateForm
    inlines = [SurveyQuestionInline]
    list_display = ["name", "is_default", "active", "question_count", "response_count"]
    list_display_links = ["name"]
    list_filter = ["active"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_total=Count("questions", distinct=True),
                response_total=Count("responses", distinct=True),
            )
        )

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, template: SurveyTemplate) -> int:
        return template.question_total

    @admin.display(description=_("filled surveys"), ordering="response_total")
    def response_count(self, template: SurveyTemplate) -> int:
        return template.response_total
