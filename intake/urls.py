"""The channels' webhooks: each account has its own URL, /hooks/<channel>/<account id>/,
which the channel's view authenticates as the channel documents."""

from django.urls import path

from .hooks import google, meta, otodom, telegram

app_name = "intake"

urlpatterns = [
    path("meta/<int:account_id>/", meta.meta_webhook, name="meta_webhook"),
    path("google/<int:account_id>/", google.google_webhook, name="google_webhook"),
    path("otodom/<int:account_id>/", otodom.otodom_webhook, name="otodom_webhook"),
    path("telegram/<int:account_id>/", telegram.telegram_webhook, name="telegram_webhook"),
]
