"""Routes of monitoring, mounted under /api/v1/ before integrations' (whose {id} route would take "status")."""

from django.urls import re_path

from monitoring import views

urlpatterns = [
    re_path(r"^monitoring/health$", views.HealthView.as_view(), name="monitoring-health"),
    re_path(r"^monitoring/rate-limits$", views.RateLimitStatusView.as_view(), name="monitoring-rate-limits"),
    re_path(r"^monitoring/metrics/?$", views.MetricsView.as_view(), name="monitoring-metrics"),
    re_path(r"^integrations/status/?$", views.ProviderStatusView.as_view(), name="integration-status"),
]
