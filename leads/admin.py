from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import AssignmentRule, DeletionReason, FailureReason, LeadStatus


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
class LeadStatusAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "colour", "is_won", "active"]
    list_display_links = ["name"]
    list_editable = ["order", "colour", "is_won", "active"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None):
        # A status that leads stand in is deactivated, not deleted.
        if obj is not None and obj.leads.exists():
            return False
        return super().has_delete_permission(request, obj)


class UsedReasonAdmin(admin.ModelAdmin):
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

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.leads.exists():
            return False
        return super().has_delete_permission(request, obj)


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
        (_("Who"), {"fields": ["pool", "fallback_pool"]}),
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
