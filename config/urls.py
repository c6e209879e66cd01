"""URL map: every app's API under /api/v1/, the OpenAPI schema and docs, and the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from monitoring.admin import operator_home

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("webhooks.urls")),
    path("", include("logs.urls")),
    path("", include("monitoring.urls")),
    path("", include("integrations.urls")),
    path("", include("orders.urls")),
    path("", include("sync.urls")),
    path("", include("payments.urls")),
    path("", include("messaging.urls")),
    path("", include("files.urls")),
    path("", include("streaming.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs/", permanent=False)),
    path("admin/operator/", admin.site.admin_view(operator_home), name="operator_home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

handler400 = "config.api.views.bad_request"
handler403 = "config.api.views.permission_denied"
handler404 = "config.api.views.not_found"
handler500 = "config.api.views.server_error"
