from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.admin import ReadOnlyAdmin

from .models import Clause, ConsentEvent, Controller, Suppression
from .services import clause_new_version


@admin.register(Controller)
class ControllerAdmin(admin.ModelAdmin):
    list_display = ["name", "nip", "krs", "dpo_contact"]
    search_fields = ["name", "nip", "krs"]


USED_READ_ONLY = ("controller", "kind", "version", "text_pl", "text_en", "is_legacy", "created_at")


class NewVersionForm(forms.Form):
    text_pl = forms.CharField(label=gettext_lazy("text (Polish)"), widget=forms.Textarea)
    text_en = forms.CharField(
        label=gettext_lazy("text (English)"), widget=forms.Textarea, required=False
    )


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    """A clause someone agreed to is never edited: its fields are read-only once an event
    refers to it, and its "New version" page (`clause_new_version`) makes the next version,
    offered from then on, the old one retired. ("Save as new" cannot: it does not send
    read-only fields, and one clause per kind is offered, a constraint of the database.)"""

    list_display = ["kind", "version", "controller", "active", "is_legacy", "created_at"]
    list_filter = ["controller", "kind", "active"]
    readonly_fields = ["is_legacy", "created_at"]
    change_form_template = "admin/consents/clause/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.events.exists():
            return list(USED_READ_ONLY)
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.events.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:clause_id>/new-version/",
                self.admin_site.admin_view(self.new_version_view),
                name="consents_clause_new_version",
            ),
            *super().get_urls(),
        ]

    def new_version_view(self, request, clause_id: int):
        """The clause's text changed: the next version, with the current text to start from."""
        clause = get_object_or_404(Clause, pk=clause_id)
        if not self.has_add_permission(request):
            return redirect(reverse("admin:consents_clause_change", args=[clause.pk]))
        form = NewVersionForm(
            request.POST or None, initial={"text_pl": clause.text_pl, "text_en": clause.text_en}
        )
        if request.method == "POST" and form.is_valid():
            try:
                new = clause_new_version(clause=clause, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    _("Version %(version)s is offered now; version %(old)s is retired.")
                    % {"version": new.version, "old": clause.version},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:consents_clause_change", args=[new.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "clause": clause,
            "form": form,
            "title": _("New version of %(clause)s") % {"clause": clause},
        }
        return TemplateResponse(request, "admin/consents/clause/new_version.html", context)


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "action", "source", "client", "lead", "recorded_by"]
    list_filter = ["kind", "action", "source"]
    list_select_related = ["client", "lead", "recorded_by"]
    raw_id_fields = ["client", "lead", "clause", "recorded_by"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ["contact_kind", "objected_at", "recorded_at"]
    list_filter = ["contact_kind"]
