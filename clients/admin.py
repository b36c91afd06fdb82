from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.core.admin_in_use import DeactivateInUseAdmin

from .models import LeadSource
from .services import sources_rotate_intake_tokens


@admin.register(LeadSource)
class LeadSourceAdmin(DeactivateInUseAdmin):
    """Sources and their intake tokens. A source that leads, clients or imports came from
    is deactivated, not deleted."""

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
        """Asked first (the current tokens stop working), then the new tokens on a page of
        their own, answered to that POST and never stored: not in the messages cookie or
        session, not in any cache (no-store), not in the database, which keeps a hash."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "title": _("New intake tokens"),
        }
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request, "admin/clients/leadsource/intake_token_confirm.html", context
            )
        tokens = sources_rotate_intake_tokens(sources=queryset)
        context["tokens"] = tokens
        context["summary"] = ngettext(
            "%(count)d source has a new token; its previous token no longer works.",
            "%(count)d sources have new tokens; their previous tokens no longer work.",
            len(tokens),
        ) % {"count": len(tokens)}
        return TemplateResponse(request, "admin/clients/leadsource/intake_tokens.html", context)
