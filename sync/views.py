"""The sync endpoints (source API 003's WooCommerce sync and status, source API 004's test sync): thin views."""

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.principal import Principal, get_principal
from accounts.scopes import INTEGRATIONS_MANAGE, INTEGRATIONS_READ
from config.api.exceptions import Conflict
from config.api.pagination import page_pagination
from core.errors import get_or_not_found
from integrations.models import Integration
from integrations.serializers import errors
from sync import selectors, services
from sync.filters import SyncRunFilter
from sync.models import SyncRun
from sync.serializers import (
    SyncRunSerializer,
    SyncStartSerializer,
    SyncStatusSerializer,
)

INTEGRATION_ID = OpenApiParameter("integration_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
SYNC_ID = OpenApiParameter("sync_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _integration(request: Request, integration_id: str) -> Integration:
    scoped = Integration.objects.filter(company_id=get_principal(request).company_id)
    return get_or_not_found(scoped, "Integration", pk=integration_id)


def _trigger(principal: Principal) -> tuple[str, str]:
    if principal.is_api_key:
        return SyncRun.Trigger.API_KEY, str(principal.api_key_id)
    return SyncRun.Trigger.USER, str(principal.user_id or "")


@extend_schema(tags=["sync"])
class IntegrationSyncView(APIView):
    """Start a sync of an integration (POST) or read its sync statistics (GET)."""

    required_scopes = {"GET": [INTEGRATIONS_READ], "POST": [INTEGRATIONS_MANAGE]}
    # A sync walks the provider's whole catalog: bound how often one caller can start them.
    rate_limit = {"POST": "30/min"}

    @extend_schema(parameters=[INTEGRATION_ID], responses={200: SyncStatusSerializer, **errors(403, 404)})
    def get(self, request: Request, integration_id: str) -> Response:
        """Sync statistics, state and config (source API 003's GET /api/integrations/woocommerce/status)."""
        integration = _integration(request, integration_id)
        return Response(SyncStatusSerializer(selectors.sync_status(integration=integration)).data)

    @extend_schema(
        parameters=[INTEGRATION_ID],
        request=SyncStartSerializer,
        responses={202: SyncRunSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, integration_id: str) -> Response:
        """Queue a sync; 409 names the run already in progress (source API 003's POST .../woocommerce/sync)."""
        integration = _integration(request, integration_id)
        body = SyncStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        options = data.get("options") or {}
        triggered_by, triggered_by_id = _trigger(get_principal(request))
        try:
            run = services.sync_start(
                integration=integration,
                sync_type=data["sync_type"],
                direction=data["direction"],
                conflict_strategy=options.get("conflict_resolution"),
                batch_size=options.get("batch_size"),
                force=options.get("force", False),
                triggered_by=triggered_by,
                triggered_by_id=triggered_by_id,
            )
        except services.SyncRefused as exc:
            raise ValidationError({exc.field: str(exc)})
        except services.SyncAlreadyRunning as exc:
            details: dict[str, Any] = {}
            if exc.run is not None:
                details = {"syncId": str(exc.run.id), "status": exc.run.status}
            raise Conflict(str(exc), details=details)
        return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["sync"])
class SyncListView(ListAPIView):
    """The company's sync runs, newest first (source API 003's GET .../woocommerce/sync/history)."""

    required_scopes = [INTEGRATIONS_READ]
    serializer_class = SyncRunSerializer
    pagination_class = page_pagination("syncs")
    filter_backends = [DjangoFilterBackend]
    filterset_class = SyncRunFilter
    queryset = SyncRun.objects.none()  # for the schema only; get_queryset() scopes to the company

    def get_queryset(self) -> QuerySet[SyncRun]:
        return selectors.sync_run_list(company_id=get_principal(self.request).company_id)


@extend_schema(tags=["sync"])
class SyncDetailView(APIView):
    """One sync run with its counts per record kind."""

    required_scopes = [INTEGRATIONS_READ]

    @extend_schema(parameters=[SYNC_ID], responses={200: SyncRunSerializer, **errors(403, 404)})
    def get(self, request: Request, sync_id: str) -> Response:
        scoped = selectors.sync_run_list(company_id=get_principal(request).company_id)
        run = get_or_not_found(scoped, "Sync", pk=sync_id)
        return Response(SyncRunSerializer(run).data)
