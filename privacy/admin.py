from __future__ import annotations

from django.contrib import admin

from .models import PrivacyLog


@admin.register(PrivacyLog)
class PrivacyLogAdmin(admin.ModelAdmin):
    """The log is evidence: administrators read it, nobody edits or deletes it."""

    list_display = ["at", "action", "client_id", "lead_id", "user"]
    list_filter = ["action"]
    list_select_related = ["user"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
