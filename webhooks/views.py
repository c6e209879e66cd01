"""Webhook endpoints, deliveries, the event catalog and delivery logs; thin: validate, call one service."""

from datetime import datetime, time

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCompanyManager
from accounts.principal import get_principal
from accounts.scopes import LOGS_READ, WEBHOOKS_MANAGE, WEBHOOKS_READ
from config.api.exceptions import Conflict
from config.api.pagination import page_pagination
from webhooks import catalog, selectors, services
from webhooks.models import Delivery
from webhooks.serializers import (
    DeliverySerializer,
    EndpointCreatedSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    EndpointWriteSerializer,
    EventTypeListSerializer,
    RecoverResultSerializer,
    RecoverSerializer,
    SecretSerializer,
    TestResultSerializer,
    WebhookLogSerializer,
)

UUID_RE = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

DATE_PARAMS = [
    OpenApiParameter("startDate", OpenApiTypes.DATETIME, description="From this time (or date) on"),
    OpenApiParameter("endDate", OpenApiTypes.DATETIME, description="Up to this time (a date means its end)"),
]
DELIVERY_PARAMS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=list(Delivery.Status.values)),
    OpenApiParameter("eventType", OpenApiTypes.STR, enum=list(catalog.EVENT_TYPES)),
    *DATE_PARAMS,
]


def _parse_when(request: Request, name: str, *, end: bool = False) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None:
        day = parse_date(raw)
        if day is None:
            raise ValidationError({name: f"{name} must be an ISO 8601 date or date-time."})
        value = datetime.combine(day, time.max if end else time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.utc)
    return value


def _parse_choice(request: Request, name: str, allowed: list[str]) -> str | None:
    raw = request.query_params.get(name)
    if raw and raw not in allowed:
        raise ValidationError({name: f"Invalid {name} {raw!r}. Allowed values: {', '.join(allowed)}."})
    return raw or None


def _delivery_filters(request: Request) -> dict:
    return {
        "status": _parse_choice(request, "status", list(Delivery.Status.values)),
        "event_type": _parse_choice(request, "eventType", list(catalog.EVENT_TYPES)),
        "start": _parse_when(request, "startDate"),
        "end": _parse_when(request, "endDate", end=True),
    }


@extend_schema(tags=["webhooks"])
class EndpointViewSet(viewsets.ViewSet):
    """Webhook endpoints of the caller's company: register, list, change, test, and inspect deliveries."""

    serializer_class = EndpointSerializer
    pagination_class = page_pagination("webhooks")
    lookup_value_regex = UUID_RE
    required_scopes = {
        "list": [WEBHOOKS_READ],
        "retrieve": [WEBHOOKS_READ],
        "deliveries": [WEBHOOKS_READ],
        "event_types": [WEBHOOKS_READ],
        "*": [WEBHOOKS_MANAGE],
    }
    rate_limit = {"test": "30/min", "recover": "10/min"}

    def _get(self, request: Request, pk: str):
        return get_object_or_404(selectors.endpoint_list(company_id=get_principal(request).company_id), pk=pk)

    @extend_schema(responses=EndpointSerializer(many=True))
    def list(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.endpoint_list(company_id=get_principal(request).company_id), request, self
        )
        return paginator.get_paginated_response(EndpointSerializer(page, many=True).data)

    @extend_schema(request=EndpointWriteSerializer, responses={201: EndpointCreatedSerializer})
    def create(self, request: Request) -> Response:
        """Register an endpoint; the answer holds its signing secret, shown this once."""
        serializer = EndpointWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = get_principal(request)
        endpoint, secret = services.endpoint_create(
            company_id=principal.company_id, created_by_id=principal.user_id, **serializer.validated_data
        )
        return Response(
            EndpointCreatedSerializer(endpoint, context={"secret": secret}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=EndpointWriteSerializer, responses={201: EndpointCreatedSerializer})
    @action(detail=False, methods=["post"], url_path="register")
    def register(self, request: Request) -> Response:
        """Register an endpoint (the seeds' path; same as POST /webhooks)."""
        return self.create(request)

    @extend_schema(responses=EndpointSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(EndpointSerializer(self._get(request, pk)).data)

    @extend_schema(request=EndpointUpdateSerializer, responses=EndpointSerializer)
    def update(self, request: Request, pk: str) -> Response:
        """Change an endpoint; send only the fields to change. `status: active` re-enables a disabled one."""
        endpoint = self._get(request, pk)
        serializer = EndpointUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, **serializer.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=EndpointUpdateSerializer, responses=EndpointSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.endpoint_delete(endpoint=self._get(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=TestResultSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        """Send a `webhook.test` event to the endpoint now and answer with the attempt's result."""
        attempt = services.endpoint_test_send(endpoint=self._get(request, pk))
        if attempt is None:
            raise Conflict("The test delivery could not be sent.")
        delivery = attempt.delivery
        return Response(
            TestResultSerializer(
                {
                    "success": attempt.success,
                    "status_code": attempt.status_code,
                    "duration_ms": attempt.duration_ms,
                    "error": attempt.error,
                    "response_body": attempt.response_body,
                    "delivery_id": delivery.id,
                    "event_id": delivery.event_id,
                    "message_id": delivery.event.message_id,
                }
            ).data
        )

    @extend_schema(parameters=DELIVERY_PARAMS, responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        """The endpoint's deliveries, newest first, each with its attempts."""
        endpoint = self._get(request, pk)
        filters = _delivery_filters(request)
        paginator = page_pagination("deliveries")()
        page = paginator.paginate_queryset(
            selectors.delivery_list(company_id=endpoint.company_id, endpoint_id=endpoint.id, **filters), request, self
        )
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        """Issue a new signing secret; the old one also signs for 24 hours so receivers can switch."""
        endpoint = self._get(request, pk)
        secret = services.endpoint_secret_rotate(endpoint=endpoint)
        return Response(
            SecretSerializer({"secret": secret, "previous_secret_expires_at": endpoint.previous_secret_expires_at}).data
        )

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["get"], permission_classes=[IsCompanyManager])
    def secret(self, request: Request, pk: str) -> Response:
        """Show the current signing secret (owners and admins, signed in with a JWT)."""
        endpoint = self._get(request, pk)
        expires = endpoint.previous_secret_expires_at if len(endpoint.signing_secrets()) > 1 else None
        return Response(SecretSerializer({"secret": endpoint.secret, "previous_secret_expires_at": expires}).data)

    @extend_schema(request=RecoverSerializer, responses=RecoverResultSerializer)
    @action(detail=True, methods=["post"])
    def recover(self, request: Request, pk: str) -> Response:
        """Re-send every failed delivery of the endpoint since the given time."""
        endpoint = self._get(request, pk)
        serializer = RecoverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not endpoint.is_active():
            raise Conflict(f"The endpoint is {endpoint.status}; enable it (status: active) before recovering.")
        count = services.endpoint_recover(endpoint=endpoint, since=serializer.validated_data["since"])
        return Response(RecoverResultSerializer({"requeued": count}).data)

    @extend_schema(responses=EventTypeListSerializer)
    @action(detail=False, methods=["get"], url_path="event-types")
    def event_types(self, request: Request) -> Response:
        """The catalog of event types, each with a description and an example payload."""
        types = [
            {
                "type": t.name,
                "group": t.group,
                "description": t.description,
                "example": t.example,
                "payload": {"type": t.name, "timestamp": "2025-11-06T10:30:00.000Z", "data": t.example},
            }
            for t in catalog.CATALOG.values()
        ]
        wildcards = [f"{g}.*" for g in catalog.GROUPS] + [catalog.WILDCARD_ALL]
        return Response(EventTypeListSerializer({"event_types": types, "wildcards": wildcards}).data)


@extend_schema(tags=["webhooks"], request=None, responses={202: DeliverySerializer})
class DeliveryRetryView(APIView):
    """Send a finished delivery (failed or delivered) again now."""

    required_scopes = [WEBHOOKS_MANAGE]

    def post(self, request: Request, pk: str) -> Response:
        queryset = selectors.delivery_list(company_id=get_principal(request).company_id)
        delivery = get_object_or_404(queryset, pk=pk)
        if not delivery.endpoint.is_active():
            raise Conflict(f"The endpoint is {delivery.endpoint.status}; enable it before retrying.")
        if not services.delivery_retry(delivery=delivery):
            raise Conflict("The delivery is already scheduled; it will be attempted without a retry request.")
        delivery = queryset.get(pk=pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=["logs"],
    parameters=[
        OpenApiParameter("webhookId", OpenApiTypes.UUID),
        OpenApiParameter("status", OpenApiTypes.STR, enum=["success", "failed"]),
        OpenApiParameter("eventType", OpenApiTypes.STR, enum=list(catalog.EVENT_TYPES)),
        *DATE_PARAMS,
        OpenApiParameter("page", OpenApiTypes.INT),
        OpenApiParameter("limit", OpenApiTypes.INT),
    ],
    responses=WebhookLogSerializer(many=True),
)
class WebhookLogView(APIView):
    """Webhook delivery logs: every attempt to every endpoint of the company, newest first."""

    required_scopes = [LOGS_READ]

    def get(self, request: Request) -> Response:
        from uuid import UUID

        webhook_id = request.query_params.get("webhookId")
        endpoint_id = None
        if webhook_id:
            try:
                endpoint_id = UUID(webhook_id)
            except ValueError:
                raise ValidationError({"webhookId": "webhookId must be a UUID."})
        status_value = _parse_choice(request, "status", ["success", "failed"])
        qs = selectors.attempt_log_list(
            company_id=get_principal(request).company_id,
            endpoint_id=endpoint_id,
            success=None if status_value is None else status_value == "success",
            event_type=_parse_choice(request, "eventType", list(catalog.EVENT_TYPES)),
            start=_parse_when(request, "startDate"),
            end=_parse_when(request, "endDate", end=True),
        )
        paginator = page_pagination("logs")()
        page = paginator.paginate_queryset(qs, request, self)
        return paginator.get_paginated_response(WebhookLogSerializer(page, many=True).data)
