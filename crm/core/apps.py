from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = _("Organisation")


class LejekAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site (crm.core.admin_site): a TOTP code for administrators
    who set up a device. Named in INSTALLED_APPS in place of "django.contrib.admin"."""

    default = False  # "crm.core" itself stays CoreConfig
    default_site = "crm.core.admin_site.LejekAdminSite"
