from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """A person's rights over their data (RODO art. 7, 15, 17, 20, 21): the consent pages,
    the export of everything held about a person, anonymisation and retention. It sits on
    top, like reports: it reads and writes across clients, leads and consents."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = _("Personal data")
