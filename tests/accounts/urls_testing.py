"""A test-only URLconf: the real API plus views that exercise scopes, limits and crashes."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class ScopedView(APIView):
    required_scopes = {"GET": ["orders:read"], "POST": ["orders:write"]}

    def get(self, request):
        return Response({"ok": True, "companyId": str(request.auth.company_id)})

    def post(self, request):
        return Response({"received": request.data})


class LimitedView(APIView):
    rate_limit = "5/min"

    def get(self, request):
        return Response({"ok": True})


class BoomView(APIView):
    def get(self, request):
        raise RuntimeError("database password is hunter2")


urlpatterns = [
    path("test/scoped", ScopedView.as_view()),
    path("test/limited", LimitedView.as_view()),
    path("test/boom", BoomView.as_view()),
    path("", include("config.urls")),
]

handler404 = "config.api.views.not_found"
handler500 = "config.api.views.server_error"
