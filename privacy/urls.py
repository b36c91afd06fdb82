"""Each part of the app owns its URLs in its own view module."""

from .views import consents, erasure, export, retention

app_name = "privacy"
urlpatterns = [
    *consents.urlpatterns,
    *export.urlpatterns,
    *erasure.urlpatterns,
    *retention.urlpatterns,
]
