"""Routes of this app, mounted under /api/v1/ (see config/urls.py); a trailing slash is optional.

Path parameters are camelCase like the seeds' (`{productId}`, `{integrationType}/{externalId}`).
"""

from django.urls import re_path

from logs import views

urlpatterns = [
    re_path(r"^logs/?$", views.LogListView.as_view(), name="logs-list"),
    re_path(r"^logs/stats/?$", views.StatsView.as_view(), name="logs-stats"),
    re_path(r"^logs/errors/?$", views.ErrorsView.as_view(), name="logs-errors"),
    re_path(r"^logs/requests/?$", views.RequestLogsView.as_view(), name="logs-requests"),
    re_path(r"^logs/product/(?P<productId>[^/]+)/?$", views.ProductLogsView.as_view(), name="logs-product"),
    re_path(
        r"^logs/external/(?P<integrationType>[^/]+)/(?P<externalId>[^/]+)/?$",
        views.ExternalLogsView.as_view(),
        name="logs-external",
    ),
]
