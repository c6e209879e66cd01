"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

urlpatterns: list = []
