from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import LeadSource
from .services import source_rotate_intake_token


@admin.register(LeadSource)
class LeadSourceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "order",
        "active",
        "has_intake_token",
        "intake_token_created_at",
        "intake_rate_per_minute",
        "intake_form_enabled",
    ]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["intake_token_created_at"]
    actions = ["generate_intake_token"]

    @admin.display(boolean=True, description=_("intake token"))
    def has_intake_token(self, obj: LeadSource) -> bool:
        return bool(obj.intake_token_hash)

    @admin.action(description=_("Generate a new intake token (shown once)"))
    def generate_intake_token(self, request, queryset):
        for source in queryset:
            token = source_rotate_intake_token(source=source)
            self.message_user(
                request,
                _("Intake token for “%(source)s”: %(token)s. Copy it now; it is shown once.")
                % {"source": source, "token": token},
                messages.WARNING,
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d source has a new token; its previous token no longer works.",
                "%(count)d sources have new tokens; their previous tokens no longer work.",
                queryset.count(),
            )
            % {"count": queryset.count()},
            messages.SUCCESS,
        )
