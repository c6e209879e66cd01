"""Webhook endpoints, deliveries, the event catalog and delivery logs; thin: validate, call one service."""

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCompanyManager
from accounts.principal import get_principal
from accounts.scopes import LOGS_READ, WEBHOOKS_MANAGE, WEBHOOKS_READ
from config.api.pagination import page_pagination
from core.errors import Conflict, get_or_not_found
from webhooks import catalog, selectors, services
from webhooks.filters import DeliveryFilter, WebhookLogFilter
from webhooks.models import Attempt, Delivery, Endpoint
from webhooks.serializers import (
    DeliveryPageSerializer,
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
PAGE_PARAMS = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="From 1"),
    OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": 100}, description="1 to 100 (default 20)"),
]
DELIVERY_PARAMS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=list(Delivery.Status.values)),
    OpenApiParameter("eventType", OpenApiTypes.STR, enum=list(catalog.EVENT_TYPES)),
    *DATE_PARAMS,
]


@extend_schema(tags=["webhooks"])
class EndpointViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Webhook endpoints of the caller's company: register, list, change, test, and inspect deliveries."""

    serializer_class = EndpointSerializer
    pagination_class = page_pagination("webhooks")
    queryset = Endpoint.objects.none()  # for the schema's model; requests use get_queryset()
    filterset_class = None  # the deliveries action sets its own
    lookup_value_regex = UUID_RE
    required_scopes = {
        "list": [WEBHOOKS_READ],
        "retrieve": [WEBHOOKS_READ],
        "deliveries": [WEBHOOKS_READ],
        "event_types": [WEBHOOKS_READ],
        "*": [WEBHOOKS_MANAGE],
    }
    rate_limit = {"test": "30/min", "recover": "10/min"}

    def get_queryset(self) -> QuerySet[Endpoint]:
        """The caller's company's endpoints, newest first."""
        return selectors.endpoint_list(company_id=get_principal(self.request).company_id)

    def _get(self, request: Request, pk: str) -> Endpoint:
        return get_or_not_found(selectors.endpoint_list(company_id=get_principal(request).company_id), "Webhook", pk=pk)

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

    @extend_schema(parameters=[*DELIVERY_PARAMS, *PAGE_PARAMS], responses=DeliveryPageSerializer)
    @action(
        detail=True,
        methods=["get"],
        pagination_class=page_pagination("deliveries"),
        filterset_class=DeliveryFilter,
        queryset=Delivery.objects.none(),  # the schema's model of this action
    )
    def deliveries(self, request: Request, pk: str) -> Response:
        """The endpoint's deliveries, newest first, each with its attempts."""
        endpoint = self._get(request, pk)
        qs = selectors.delivery_list(company_id=endpoint.company_id, endpoint_id=endpoint.id)
        page = self.paginate_queryset(self.filter_queryset(qs))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret", permission_classes=[IsCompanyManager])
    def rotate_secret(self, request: Request, pk: str) -> Response:
        """Issue a new signing secret; the old one also signs for 24 hours so receivers can switch.

        Owners and admins signed in with a JWT only, as for GET …/secret: the answer holds the secret.
        """
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
        delivery = get_or_not_found(queryset, "Delivery", pk=pk)
        if not delivery.endpoint.is_active():
            raise Conflict(f"The endpoint is {delivery.endpoint.status}; enable it before retrying.")
        if not services.delivery_retry(delivery=delivery):
            raise Conflict("The delivery is already scheduled; it will be attempted without a retry request.")
        delivery = queryset.get(pk=pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["logs"])
class WebhookLogView(generics.ListAPIView):
    """Webhook delivery logs: every attempt to every endpoint of the company, newest first."""

    required_scopes = [LOGS_READ]
    serializer_class = WebhookLogSerializer
    pagination_class = page_pagination("logs")
    filterset_class = WebhookLogFilter
    queryset = Attempt.objects.none()  # for the schema's model; requests use get_queryset()

    def get_queryset(self) -> QuerySet[Attempt]:
        return selectors.attempt_log_list(company_id=get_principal(self.request).company_id)
