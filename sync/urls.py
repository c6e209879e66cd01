"""Routes of the sync app, mounted under /api/v1/ (see config/urls.py)."""

from django.urls import re_path

from sync import views

UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

urlpatterns = [
    re_path(
        rf"^integrations/(?P<integration_id>{UUID})/sync/?$",
        views.IntegrationSyncView.as_view(),
        name="integration-sync",
    ),
    re_path(r"^syncs/?$", views.SyncListView.as_view(), name="sync-list"),
    re_path(rf"^syncs/(?P<sync_id>{UUID})/?$", views.SyncDetailView.as_view(), name="sync-detail"),
]
