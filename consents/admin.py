from __future__ import annotations

from django.contrib import admin

from .models import Clause, Controller


@admin.register(Controller)
class ControllerAdmin(admin.ModelAdmin):
    list_display = ["name", "nip", "krs", "dpo_contact"]
    search_fields = ["name", "nip", "krs"]


USED_READ_ONLY = ("controller", "kind", "version", "text_pl", "text_en", "is_legacy", "created_at")


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    """A clause someone agreed to is never edited: its fields are read-only once an event
    refers to it, and "Save as new" makes the next version."""

    list_display = ["kind", "version", "controller", "active", "is_legacy", "created_at"]
    list_filter = ["controller", "kind", "active"]
    save_as = True
    readonly_fields = ["is_legacy", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.events.exists():
            return [
                "controller",
                "kind",
                "version",
                "text_pl",
                "text_en",
                "is_legacy",
                "created_at",
            ]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.events.exists():
            return False
        return super().has_delete_permission(request, obj)
