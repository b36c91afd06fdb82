"""Views: consents (see privacy/urls.py)."""

urlpatterns: list = []
