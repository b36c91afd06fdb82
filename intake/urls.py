"""The channels' webhooks: each account has its own URL, /hooks/<channel>/<account id>/,
which the channel's view authenticates as the channel documents."""

from django.urls import path  # noqa: F401 - the channels add their webhooks

app_name = "intake"

urlpatterns: list = [
    # Each channel adds its webhook here.
]
