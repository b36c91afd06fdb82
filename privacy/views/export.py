"""Views: export (see privacy/urls.py)."""

urlpatterns: list = []
