"""The integrations API (source API 001, 003, 004): thin views over services and selectors."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scopes
from accounts.principal import get_principal
from config.api.pagination import page_pagination
from core import filters
from core.errors import InvalidInput, get_or_not_found
from integrations import selectors, services
from integrations.models import Integration
from integrations.providers import all_providers, provider_keys
from integrations.providers.base import CATEGORIES
from integrations.serializers import (
    HealthCheckResultSerializer,
    IntegrationCreateSerializer,
    IntegrationLogEntrySerializer,
    IntegrationSerializer,
    IntegrationUpdateSerializer,
    ProviderListSerializer,
    errors,
)
from logs.models import IntegrationLog

UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
READ = [scopes.INTEGRATIONS_READ]
MANAGE = [scopes.INTEGRATIONS_MANAGE]


class IntegrationLogFilter(filters.FilterSet):
    errors_as_text = True  # details name each parameter with a string, as this list always answered
    status = filters.ChoiceFilter(IntegrationLog.Status.values, help_text="success, error or pending")

    class Meta:
        model = IntegrationLog
        fields: list[str] = []


class IntegrationFilter(filters.FilterSet):
    """Filters of the integration list; the allowed values come from the provider registry."""

    provider = filters.ChoiceFilter(provider_keys())
    category = filters.ChoiceFilter(CATEGORIES)
    status = filters.ChoiceFilter(Integration.Status.values)
    health = filters.ChoiceFilter(Integration.Health.values, field_name="health_status")

    class Meta:
        model = Integration
        fields: list[str] = []


@extend_schema(tags=["integrations"])
class IntegrationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A company's integrations. Reading needs integrations:read, changes integrations:manage."""

    required_scopes = {
        "list": READ,
        "retrieve": READ,
        "logs": READ,
        "create": MANAGE,
        "update": MANAGE,
        "partial_update": MANAGE,
        "destroy": MANAGE,
        "health_check": MANAGE,
    }
    # A check makes outbound calls: bound how often one caller can trigger them.
    rate_limit = {"health_check": "30/min"}
    pagination_class = page_pagination("integrations")
    serializer_class = IntegrationSerializer
    queryset = Integration.objects.none()  # for the schema's model; requests use get_queryset()
    filterset_class = IntegrationFilter  # the logs action sets its own
    lookup_value_regex = UUID_PATTERN

    def _get(self, request: Request, pk: str) -> Integration:
        scoped = selectors.integration_list(company_id=get_principal(request).company_id)
        return get_or_not_found(scoped, "Integration", pk=pk)

    def _show(self, request: Request, integration: Integration, code: int = 200) -> Response:
        return Response(IntegrationSerializer(integration, context={"request": request}).data, status=code)

    def get_queryset(self) -> QuerySet[Integration]:
        """The caller's company's integrations, by name."""
        return selectors.integration_list(company_id=get_principal(self.request).company_id)

    @extend_schema(responses={200: IntegrationSerializer(many=True), **errors(400, 403)})
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=IntegrationCreateSerializer, responses={201: IntegrationSerializer, **errors(400, 403, 409)})
    def create(self, request: Request) -> Response:
        serializer = IntegrationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = get_principal(request)
        integration = services.integration_create(
            company_id=principal.company_id, user_id=principal.user_id, **serializer.validated_data
        )
        return self._show(request, integration, status.HTTP_201_CREATED)

    @extend_schema(responses={200: IntegrationSerializer, **errors(403, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._show(request, self._get(request, pk))

    @extend_schema(
        request=IntegrationUpdateSerializer, responses={200: IntegrationSerializer, **errors(400, 403, 404, 409)}
    )
    def update(self, request: Request, pk: str) -> Response:
        integration = self._get(request, pk)
        serializer = IntegrationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.pop("type", integration.category) != integration.category:
            raise InvalidInput(details={"type": f"{integration.provider} is a {integration.category} integration."})
        integration = services.integration_update(
            integration=integration, user_id=get_principal(request).user_id, **data
        )
        return self._show(request, integration)

    @extend_schema(
        request=IntegrationUpdateSerializer, responses={200: IntegrationSerializer, **errors(400, 403, 404, 409)}
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk)

    @extend_schema(responses={204: None, **errors(403, 404)})
    def destroy(self, request: Request, pk: str) -> Response:
        services.integration_delete(integration=self._get(request, pk), user_id=get_principal(request).user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={200: IntegrationLogEntrySerializer(many=True), **errors(400, 403, 404)},
        parameters=[
            OpenApiParameter("status", str, enum=IntegrationLog.Status.values, description="success, error or pending")
        ],
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=page_pagination("logs", default_limit=10),
        filterset_class=IntegrationLogFilter,
        queryset=IntegrationLog.objects.none(),  # the schema's model of this action
    )
    def logs(self, request: Request, pk: str) -> Response:
        """The integration's logs, newest first (source API 001's GET /integrations/:id/logs)."""
        integration = self._get(request, pk)
        qs = selectors.integration_logs(company_id=integration.company_id, integration_id=integration.id)
        page = self.paginate_queryset(self.filter_queryset(qs))
        return self.get_paginated_response(IntegrationLogEntrySerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: HealthCheckResultSerializer, **errors(403, 404)})
    @action(detail=True, methods=["post"], url_path="health-check")
    def health_check(self, request: Request, pk: str) -> Response:
        """Run the provider's connection check now (bounded by INTEGRATIONS_HTTP_TIMEOUT_SECONDS)."""
        integration = self._get(request, pk)
        result = services.integration_health_check(integration_id=integration.id, record_always=True)
        integration.refresh_from_db()
        return Response(
            HealthCheckResultSerializer(
                {
                    "id": integration.id,
                    "status": result.status,
                    "latency_ms": result.latency_ms,
                    "http_status": result.http_status,
                    "error": result.error,
                    "checked_at": integration.last_check_at,
                }
            ).data
        )


@extend_schema(tags=["integrations"], responses={200: ProviderListSerializer, **errors(403)})
class ProviderListView(APIView):
    """The providers this hub supports: category, config fields, inbound signature scheme."""

    required_scopes = READ

    def get(self, request: Request) -> Response:
        return Response(ProviderListSerializer({"providers": list(all_providers().values())}).data)
