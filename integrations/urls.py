"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from integrations import views
from integrations.inbound.views import InboundReceiverView

router = SimpleRouter()
# DRF turns any truthy trailing_slash argument into "/"; the attribute takes a pattern.
router.trailing_slash = "/?"
router.register("integrations", views.IntegrationViewSet, basename="integration")

urlpatterns = [
    re_path(r"^integrations/providers/?$", views.ProviderListView.as_view(), name="integration-providers"),
    re_path(
        rf"^inbound/(?P<integration_id>{views.UUID_PATTERN})/?$", InboundReceiverView.as_view(), name="inbound-receiver"
    ),
    *router.urls,
]
