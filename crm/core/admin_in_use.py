"""Admin for the configuration rows that records point at (statuses, reasons, sources,
survey templates): once something protects a row from deletion, the administrator is told
to deactivate it, never that they lack a permission."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def in_use_pks(queryset: QuerySet) -> set:
    """The ids among `queryset` that another row points at with PROTECT or RESTRICT (a
    lead's status, reason or source, a filled survey's template): the ones whose deletion
    the database would refuse. One EXISTS query per such relation, whatever the number of
    rows pointing (a source may have a million leads). Relations without a way back
    (related_name="+", as an import's source) protect all the same: `related_objects`
    leaves them out, so every field is walked, hidden ones included."""
    used = set()
    for relation in queryset.model._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.many_to_many:
            continue
        if relation.on_delete not in (models.PROTECT, models.RESTRICT):
            continue
        pointing = relation.related_model._base_manager.filter(
            **{relation.field.name: OuterRef("pk")}
        )
        used.update(queryset.filter(Exists(pointing)).values_list("pk", flat=True))
    return used


def _delete_unused_selected(modeladmin, request, queryset):
    """Django's "delete selected", unless some of the rows are in use: then nothing is
    deleted and the administrator reads which rows to deactivate instead."""
    used = in_use_pks(queryset)
    if used:
        names = ", ".join(f"“{obj}”" for obj in queryset if obj.pk in used)
        modeladmin.message_user(
            request,
            _(
                "Nothing was deleted. In use, so to be deactivated instead (untick "
                "“%(active)s” and save): %(names)s."
            )
            % {"names": names, "active": modeladmin.active_label()},
            messages.ERROR,
        )
        return None
    return delete_selected(modeladmin, request, queryset)


class DeactivateInUseAdmin(admin.ModelAdmin):
    """A row in use has no delete link; reaching its delete page or choosing it for "delete
    selected" brings the administrator back with "in use: deactivate it instead" (the
    model has an `active` field), not with Django's "no permission"."""

    def active_label(self) -> str:
        return capfirst(self.model._meta.get_field("active").verbose_name)

    def is_in_use(self, obj: models.Model) -> bool:
        return bool(in_use_pks(self.model._base_manager.filter(pk=obj.pk)))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and self.is_in_use(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        allowed = super().has_delete_permission(request, obj)
        if obj is not None and allowed and self.is_in_use(obj):
            return self._refuse_in_use(request, obj)
        return super().delete_view(request, object_id, extra_context)

    def _refuse_in_use(self, request: HttpRequest, obj: models.Model) -> HttpResponse:
        self.message_user(
            request,
            _(
                "“%(name)s” is in use, so it cannot be deleted. Deactivate it instead: untick "
                "“%(active)s” and save."
            )
            % {"name": obj, "active": self.active_label()},
            messages.ERROR,
        )
        opts = self.model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        return HttpResponseRedirect(url)

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _function, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_delete_unused_selected, name, description)
        return actions
