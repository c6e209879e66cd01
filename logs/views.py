"""The log endpoints: the five of source API 000 and the API request logs of source API 002."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from accounts.principal import get_principal
from accounts.scopes import LOGS_READ
from config.api.pagination import pagination_block
from core.errors import not_found
from logs import selectors
from logs.models import INTEGRATION_TYPES
from logs.serializers import (
    ErrorsQuery,
    ErrorsResponse,
    ExternalLogSerializer,
    ExternalLogsQuery,
    ExternalLogsResponse,
    IntegrationLogSerializer,
    LogListQuery,
    LogListResponse,
    ProductLogSerializer,
    ProductLogsQuery,
    ProductLogsResponse,
    RequestLogListResponse,
    RequestLogSerializer,
    RequestLogsQuery,
    StatsQuery,
    StatsResponse,
)

TAGS = ["Logs"]


def _query(serializer_class: type[Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class _LogsView(APIView):
    required_scopes = [LOGS_READ]
    rate_limit = "100/min"  # source API 000: the general logs endpoints


class LogListView(_LogsView):
    @extend_schema(
        tags=TAGS,
        summary="List integration logs (paginated, filtered, sorted)",
        parameters=[LogListQuery],
        responses=LogListResponse,
    )
    def get(self, request: Request) -> Response:
        q = _query(LogListQuery, request)
        qs = selectors.integration_log_list(
            company_id=get_principal(request).company_id,
            integration_type=q.get("integrationType"),
            operation=q.get("operation"),
            status=q.get("status"),
            product_id=q.get("productId"),
            start=q.get("startDate"),
            end=q.get("endDate"),
            sort_by=q["sortBy"],
            sort_order=q["sortOrder"],
        )
        page, limit = q["page"], q["limit"]
        filters = {k: v for k, v in q.items() if k not in ("page", "limit", "sortBy", "sortOrder")}
        key = f"{get_principal(request).company_id}:{sorted((k, str(v)) for k, v in filters.items())}"
        total = selectors.integration_log_count(qs, key=key)
        offset = (page - 1) * limit
        rows = selectors.integration_log_page(qs, offset=offset, limit=limit) if offset < total else []
        return Response(
            {"logs": IntegrationLogSerializer(rows, many=True).data, "pagination": pagination_block(page, limit, total)}
        )


class ProductLogsView(_LogsView):
    @extend_schema(
        tags=TAGS,
        summary="Integration logs of one product",
        parameters=[ProductLogsQuery, OpenApiParameter("productId", int, OpenApiParameter.PATH)],
        responses=ProductLogsResponse,
    )
    def get(self, request: Request, productId: str) -> Response:  # the seed's path names
        product_id = productId
        if not (product_id.isascii() and product_id.isdigit()) or len(product_id) > 18:
            raise ValidationError({"productId": ["productId must be a non-negative integer."]})
        q = _query(ProductLogsQuery, request)
        qs = selectors.integration_log_for_product(
            company_id=get_principal(request).company_id,
            product_id=int(product_id),
            integration_type=q.get("integrationType"),
            operation=q.get("operation"),
            status=q.get("status"),
        )
        rows, total = selectors.newest_with_total(qs, limit=q["limit"])
        return Response(
            {"productId": int(product_id), "logs": ProductLogSerializer(rows, many=True).data, "total": total}
        )


class ExternalLogsView(_LogsView):
    @extend_schema(
        tags=TAGS,
        summary="Integration logs of a product by its external platform id",
        parameters=[
            ExternalLogsQuery,
            OpenApiParameter("integrationType", str, OpenApiParameter.PATH, enum=list(INTEGRATION_TYPES)),
            OpenApiParameter("externalId", str, OpenApiParameter.PATH),
        ],
        responses=ExternalLogsResponse,
    )
    def get(self, request: Request, integrationType: str, externalId: str) -> Response:
        integration_type, external_id = integrationType, externalId
        if integration_type not in INTEGRATION_TYPES:
            message = f"Invalid integration type. Must be one of: {', '.join(INTEGRATION_TYPES)}"
            raise ValidationError({"integrationType": [message]})
        if len(external_id) > 255 or "\x00" in external_id:
            raise ValidationError({"externalId": ["externalId must be at most 255 characters, without NUL."]})
        q = _query(ExternalLogsQuery, request)
        rows = list(
            selectors.integration_log_for_external(
                company_id=get_principal(request).company_id,
                integration_type=integration_type,
                external_id=external_id,
            )[: q["limit"]]
        )
        if not rows:
            raise not_found("Product")
        internal = next((row.product_id for row in rows if row.product_id is not None), None)
        return Response(
            {
                "externalId": external_id,
                "integrationType": integration_type,
                "internalProductId": internal,
                "logs": ExternalLogSerializer(rows, many=True).data,
            }
        )


class StatsView(_LogsView):
    rate_limit = "30/min"

    @extend_schema(
        tags=TAGS,
        summary="Success and error counts of a period (default: the last 30 days)",
        parameters=[StatsQuery],
        responses=StatsResponse,
    )
    def get(self, request: Request) -> Response:
        query = StatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.period()
        stats = selectors.integration_log_stats(
            company_id=get_principal(request).company_id,
            start=start,
            end=end,
            integration_type=query.validated_data.get("integrationType"),
        )
        return Response(
            {
                "period": {"startDate": start, "endDate": end},
                "summary": {
                    "totalLogs": stats.total,
                    "successCount": stats.by_status.get("success", 0),
                    "errorCount": stats.by_status.get("error", 0),
                    "pendingCount": stats.by_status.get("pending", 0),
                    "successRate": stats.success_rate(),
                },
                "byOperation": stats.by_operation,
                "byIntegrationType": stats.by_integration_type,
            }
        )


class ErrorsView(_LogsView):
    rate_limit = "50/min"

    @extend_schema(
        tags=TAGS,
        summary="Recent integration errors (default: the last 24 hours)",
        parameters=[ErrorsQuery],
        responses=ErrorsResponse,
    )
    def get(self, request: Request) -> Response:
        q = _query(ErrorsQuery, request)
        qs = selectors.integration_log_errors(
            company_id=get_principal(request).company_id,
            since=timezone.now() - timedelta(hours=q["hours"]),
            integration_type=q.get("integrationType"),
        )
        rows, total = selectors.newest_with_total(qs, limit=q["limit"])
        return Response({"errors": IntegrationLogSerializer(rows, many=True).data, "total": total})


class RequestLogsView(_LogsView):
    @extend_schema(
        tags=TAGS,
        summary="API request logs of the company (paginated, filtered)",
        parameters=[RequestLogsQuery],
        responses=RequestLogListResponse,
    )
    def get(self, request: Request) -> Response:
        q = _query(RequestLogsQuery, request)
        status_class = q.get("statusClass")
        qs = selectors.request_log_list(
            company_id=get_principal(request).company_id,
            method=q.get("method"),
            status_code=q.get("statusCode"),
            status_class=int(status_class[0]) if status_class else None,
            path_prefix=q.get("path"),
            api_key_id=q.get("apiKeyId"),
            request_id=q.get("requestId"),
            min_duration_ms=q.get("minDurationMs"),
            start=q.get("startDate"),
            end=q.get("endDate"),
        )
        page, limit = q["page"], q["limit"]
        total = qs.count()
        offset = (page - 1) * limit
        rows = list(qs[offset : offset + limit]) if offset < total else []
        return Response(
            {"requests": RequestLogSerializer(rows, many=True).data, "pagination": pagination_block(page, limit, total)}
        )
