from django.apps import AppConfig


class IntakeAppConfig(AppConfig):
    """The channels inquiries arrive through (see the package's docstring)."""

    name = "intake"
