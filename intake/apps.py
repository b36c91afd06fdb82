from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeAppConfig(AppConfig):
    """The channels inquiries arrive through (see the package's docstring)."""

    name = "intake"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from leads.panels import lead_page_panel_register

        from .pages.telegram import panel_context

        # The lead page shows the chat a lead came from, with a reply through the bot.
        lead_page_panel_register(template="intake/telegram_panel.html", context=panel_context)
