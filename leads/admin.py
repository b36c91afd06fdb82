from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import DeletionReason, FailureReason, LeadStatus


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
