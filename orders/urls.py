"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from orders.sync import views as sync_views
from orders.views import OrderViewSet

UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only knows "/" or "": accept both spellings
router.register("orders", OrderViewSet, basename="orders")

urlpatterns = [
    *router.urls,
    re_path(
        rf"^integrations/(?P<integration_id>{UUID})/sync/?$",
        sync_views.IntegrationSyncView.as_view(),
        name="integration-sync",
    ),
    re_path(r"^syncs/?$", sync_views.SyncListView.as_view(), name="sync-list"),
    re_path(rf"^syncs/(?P<sync_id>{UUID})/?$", sync_views.SyncDetailView.as_view(), name="sync-detail"),
]
