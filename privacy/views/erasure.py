"""Views: erasure (see privacy/urls.py)."""

urlpatterns: list = []
