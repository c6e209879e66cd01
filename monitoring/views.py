"""The monitoring endpoints, in one place: health, API metrics, the caller's rate limit, provider status.

Each reads what its owning app keeps (logs' request logs, accounts' rate-limit buckets,
integrations' last checks) through that app's selectors; the URLs are source API 002's
monitoring/* plus `integrations/status`, its `monitoring/providers`.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.principal import get_principal
from accounts.ratelimit import rate_limit_peek
from accounts.throttling import principal_bucket, principal_limit
from config.api.fields import isoformat_ms
from integrations import selectors as integration_selectors
from integrations.serializers import StatusSerializer, errors
from logs import selectors as log_selectors
from logs.serializers import MetricsQuery, MetricsResponse
from monitoring.health import health_report

logger = logging.getLogger(__name__)


@extend_schema(tags=["monitoring"], auth=[], responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT})
class HealthView(APIView):
    """Public health check: database, cache, broker and worker, each with status and latency."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get(self, request: Request) -> Response:
        ok, report = health_report()
        if ok:
            return Response(report)
        down = ", ".join(report["down"])
        body = {
            "statusCode": 503,
            "error": "Service Unavailable",
            "message": f"Unavailable: {down}.",
            "details": {"down": report["down"]},
            **report,
        }
        response = Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        # A 503 here is the health check doing its job, not a server fault: one WARNING naming what
        # is down instead of Django's ERROR "Service Unavailable" line for every probe.
        response._has_been_logged = True
        logger.warning("Health check: unavailable: %s.", down)
        return response


@extend_schema(tags=["monitoring"], responses=OpenApiTypes.OBJECT)
class RateLimitStatusView(APIView):
    """The caller's own rate limit: limit per minute, what remains, and when the window resets.

    The status request itself counts against the limit, like any other request.
    """

    throttle_classes: list = []  # already counted by API-key authentication; peek, don't count twice

    def get(self, request: Request) -> Response:
        principal = get_principal(request)
        limit = principal_limit(principal)
        verdict = rate_limit_peek(principal_bucket(principal), limit=limit)
        return Response(
            {
                "principal": {
                    "type": "apiKey" if principal.is_api_key else "user",
                    "id": str(principal.api_key_id) if principal.is_api_key else principal.user_id,
                },
                "limit": limit,
                "windowSeconds": 60,
                "remaining": verdict.remaining,
                # ISO 8601 like every other timestamp (it was epoch seconds; X-RateLimit-Reset keeps those).
                "resetAt": isoformat_ms(datetime.fromtimestamp(verdict.reset_at, UTC)),
                "enabled": settings.RATE_LIMIT_ENABLED,
            }
        )


class MetricsView(APIView):
    """Source API 002 GET /monitoring/metrics: the company's API performance over a recent window."""

    required_scopes = [scopes.METRICS_READ]
    rate_limit = "30/min"

    @extend_schema(
        tags=["monitoring"],
        summary="API volume, error rate, latency percentiles and busiest endpoints",
        parameters=[MetricsQuery],
        responses=MetricsResponse,
    )
    def get(self, request: Request) -> Response:
        query = MetricsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        until = timezone.now()
        since = until - timedelta(minutes=query.validated_data["minutes"])
        return Response(
            log_selectors.request_metrics(company_id=get_principal(request).company_id, since=since, until=until)
        )


@extend_schema(tags=["integrations"], responses={200: StatusSerializer, **errors(403)})
class ProviderStatusView(APIView):
    """Counts of healthy / unhealthy / error / unknown integrations and each one's last check."""

    required_scopes = [scopes.INTEGRATIONS_READ]

    def get(self, request: Request) -> Response:
        company_id = get_principal(request).company_id
        return Response(StatusSerializer(integration_selectors.integrations_status(company_id=company_id)).data)
