"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from files import views

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only knows "/" or "": accept both spellings
router.register("files", views.FileViewSet, basename="files")

urlpatterns = [
    re_path(rf"^files/(?P<pk>{views.UUID_REGEX})/content/?$", views.FileContentView.as_view(), name="file-content"),
    re_path(r"^storage-route/?$", views.StorageRouteView.as_view(), name="storage-route"),
    re_path(r"^integrations/test/file/?$", views.TestFileView.as_view(), name="integrations-test-file"),
    *router.urls,
]
