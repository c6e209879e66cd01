"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from webhooks import views

router = SimpleRouter(trailing_slash="/?")
router.register("webhooks", views.EndpointViewSet, basename="webhook")

urlpatterns = [
    path("webhooks/deliveries/<uuid:pk>/retry", views.DeliveryRetryView.as_view(), name="webhook-delivery-retry"),
    path("logs/webhooks", views.WebhookLogView.as_view(), name="logs-webhooks"),
    *router.urls,
]
