from __future__ import annotations

from django.contrib import admin

from crm.core.admin import ReadOnlyAdmin

from .models import PrivacyLog


@admin.register(PrivacyLog)
class PrivacyLogAdmin(ReadOnlyAdmin):
    """The log is evidence: administrators read it, nobody edits or deletes it."""

    list_display = ["at", "action", "client_id", "lead_id", "user"]
    list_filter = ["action"]
    list_select_related = ["user"]
    date_hierarchy = "at"
