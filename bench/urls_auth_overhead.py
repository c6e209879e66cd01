"""Bench-only routes: one trivial view behind API-key auth + rate limiting, and the same view open."""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class Authed(APIView):
    """Default authentication, scope check and per-key rate limit."""

    def get(self, request):
        return Response({"ok": True})


class Open(Authed):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


urlpatterns = [
    path("bench/authed", Authed.as_view()),
    path("bench/open", Open.as_view()),
    path("", include("config.urls")),
]
