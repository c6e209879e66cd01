"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from messaging.views import MessageTemplateViewSet, MessageViewSet, MessagingRouteViewSet, MessagingSettingsView

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only knows "/" or "": accept both spellings
router.register("messages", MessageViewSet, basename="messages")
router.register("message-templates", MessageTemplateViewSet, basename="message-templates")
router.register("message-routes", MessagingRouteViewSet, basename="message-routes")

urlpatterns = [
    *router.urls,
    re_path(
        r"^message-settings/?$",
        MessagingSettingsView.as_view({"get": "list", "put": "put"}),
        name="message-settings",
    ),
]
