from django.apps import AppConfig


class IntakeAppConfig(AppConfig):
    """No models and nothing to start (see the package's docstring): what it configures,
    sources and assignment rules, is administered in `clients` and `leads`."""

    name = "intake"
