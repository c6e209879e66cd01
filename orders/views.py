"""The five order endpoints of source API 002; thin: validate, call one service or selector, shape the answer."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from djangorestframework_camel_case.util import underscoreize
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.principal import Principal, get_principal
from accounts.scopes import ORDERS_READ, ORDERS_WRITE
from config.api.exceptions import Conflict
from config.api.pagination import page_pagination
from orders import selectors, services
from orders.models import Order, provider_choices
from orders.serializers import (
    OrderCreateSerializer,
    OrderEventListSerializer,
    OrderEventSerializer,
    OrderListQuerySerializer,
    OrderSerializer,
    OrderStatusUpdateSerializer,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeat-safe create: the same key and body return the first order; "
    "the same key with another body → 422.",
)


LIST_PARAMETERS = [
    OpenApiParameter("status", str, enum=list(Order.Status.values)),
    OpenApiParameter("provider", str, enum=[value for value, _ in provider_choices()]),
    OpenApiParameter("orderType", str, enum=list(Order.OrderType.values)),
    OpenApiParameter("branchId", str),
    OpenApiParameter("externalOrderId", str),
    OpenApiParameter("startDate", OpenApiTypes.DATETIME, description="Created at or after (a date or a time)."),
    OpenApiParameter("endDate", OpenApiTypes.DATETIME, description="Created at or before (a date includes the day)."),
    OpenApiParameter("page", int),
    OpenApiParameter("limit", int, description="1-100, default 20"),
]


class UnprocessableEntity(ValidationError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


def actor_of(principal: Principal) -> str:
    """Return how order history names the caller."""
    return f"api_key:{principal.api_key_id}" if principal.is_api_key else f"user:{principal.user_id}"


@extend_schema(tags=["orders"])
class OrderViewSet(viewsets.ViewSet):
    """Partner orders: create, read, list, change status, read history."""

    required_scopes = {
        "list": [ORDERS_READ],
        "retrieve": [ORDERS_READ],
        "events": [ORDERS_READ],
        "create": [ORDERS_WRITE],
        "status": [ORDERS_WRITE],
    }
    pagination_class = page_pagination("orders")
    serializer_class = OrderSerializer
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def _order(self, request: Request, pk: str) -> Order:
        try:
            return selectors.order_get(company_id=get_principal(request).company_id, order_id=pk)
        except (Order.DoesNotExist, DjangoValidationError):  # another company's order is simply not found
            raise NotFound("Order not found.")

    @extend_schema(parameters=LIST_PARAMETERS, responses=OrderSerializer(many=True))
    def list(self, request: Request) -> Response:
        """List orders, newest first; filter by status, provider, orderType, branchId, externalOrderId, dates."""
        query = OrderListQuerySerializer(data=underscoreize(request.query_params.dict()))
        query.is_valid(raise_exception=True)
        filters: dict[str, Any] = dict(query.validated_data)
        end_raw = request.query_params.get("endDate", "")
        if "end_date" in filters and len(end_raw) == 10:  # a bare date includes that whole day
            filters["end_date"] += timedelta(days=1)
            filters["end_exclusive"] = True
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.order_list(company_id=get_principal(request).company_id, filters=filters), request, self
        )
        return paginator.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: OrderSerializer,
            400: OpenApiResponse(description="Invalid input, phone or totals"),
            409: OpenApiResponse(description="This provider's externalOrderId exists; details.orderId names it"),
            422: OpenApiResponse(description="Idempotency-Key reused with a different body"),
        },
    )
    def create(self, request: Request) -> Response:
        """Create an order (status pending); publishes order.created."""
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            raise ValidationError({"idempotency_key": "The Idempotency-Key header is at most 255 characters."})
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = get_principal(request)
        try:
            result = services.order_create(
                company_id=principal.company_id,
                data=serializer.to_input(),
                actor=actor_of(principal),
                idempotency_key=key,
                fingerprint=services.request_fingerprint(request.data) if key else "",
            )
        except services.OrderValidationError as exc:
            raise ValidationError(exc.details)
        except services.DuplicateExternalOrder as exc:
            raise Conflict(
                str(exc),
                details={
                    "orderId": str(exc.order.id),
                    "provider": exc.order.provider,
                    "externalOrderId": exc.order.external_order_id,
                },
            )
        except services.IdempotencyKeyReused as exc:
            raise UnprocessableEntity({"idempotency_key": str(exc), "order_id": str(exc.order.id)})
        order = result.order if result.created else self._order(request, str(result.order.id))
        headers = {} if result.created else {"Idempotent-Replayed": "true"}
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(responses=OrderSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        """Get one order with its items and status."""
        return Response(OrderSerializer(self._order(request, pk)).data)

    @extend_schema(
        request=OrderStatusUpdateSerializer,
        responses={200: OrderSerializer, 409: OpenApiResponse(description="Illegal transition; details.allowed")},
    )
    @action(detail=True, methods=["put"], url_path="status")
    def status(self, request: Request, pk: str) -> Response:
        """Move the order through the status machine; an illegal move → 409 naming the allowed next states."""
        serializer = OrderStatusUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = get_principal(request)
        try:
            order = services.order_status_change(
                company_id=principal.company_id,
                order_id=pk,
                to_status=serializer.validated_data["status"],
                reason=serializer.validated_data["reason"],
                expected_status=serializer.validated_data.get("expected_status"),
                actor=actor_of(principal),
            )
        except (Order.DoesNotExist, DjangoValidationError):  # another company's order is simply not found
            raise NotFound("Order not found.")
        except services.IllegalTransition as exc:
            raise Conflict(
                exc.message,
                details={"status": exc.order.status, "requested": exc.to_status, "allowed": exc.allowed},
            )
        return Response(OrderSerializer(order).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, OpenApiParameter.QUERY),
            OpenApiParameter("limit", int, OpenApiParameter.QUERY),
        ],
        responses=OrderEventListSerializer,
    )
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        """The order's history: creation, every status change and update (from, to, actor, reason, time)."""
        order = self._order(request, pk)
        paginator = page_pagination("events")()
        page = paginator.paginate_queryset(
            selectors.order_events(company_id=get_principal(request).company_id, order_id=order.id), request, self
        )
        return paginator.get_paginated_response(OrderEventSerializer(page, many=True).data)
