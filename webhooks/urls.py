"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from webhooks import views

router = SimpleRouter()
router.trailing_slash = "/?"  # accept both; the constructor only knows "/" or ""
router.register("webhooks", views.EndpointViewSet, basename="webhook")

urlpatterns = [
    re_path(
        rf"^webhooks/deliveries/(?P<pk>{views.UUID_RE})/retry/?$",
        views.DeliveryRetryView.as_view(),
        name="webhook-delivery-retry",
    ),
    re_path(r"^logs/webhooks/?$", views.WebhookLogView.as_view(), name="logs-webhooks"),
    *router.urls,
]
