from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import BackgroundJob, Branch, User
from .services import user_set_role


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "active"]
    list_filter = ["active"]
    search_fields = ["name", "city"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "branch", "is_active"]
    list_filter = ["role", "branch", "is_active"]
    list_select_related = ["branch"]
    # The role decides the permission group, so groups are not edited by hand here.
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email", "phone", "language"]}),
        (_("Role and branch"), {"fields": ["role", "branch", "is_active", "is_superuser"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "password1", "password2", "role", "branch"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_set_role(user=form.instance, role=form.instance.role)


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    """Read-only: administrators look up why an export failed."""

    list_display = ["created_at", "kind", "user", "status", "progress", "total", "finished_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["user"]
    # The file is private (crm.core.storage): it has no URL for the admin to link, so the
    # page shows its name; its owner downloads it from the job's page.
    exclude = ["file"]
    readonly_fields = [field.name for field in BackgroundJob._meta.fields if field.name != "file"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence read in the admin and never written there (the consent register, the
    personal data log): its rows come from the services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
