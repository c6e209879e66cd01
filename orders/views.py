"""The five order endpoints of source API 002; thin: validate, call one service or selector, shape the answer."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.principal import Principal, get_principal
from accounts.scopes import ORDERS_READ, ORDERS_WRITE
from config.api.pagination import page_pagination
from core import idempotency
from core.errors import NotFound
from orders import selectors, services
from orders.filters import OrderFilter
from orders.models import Order
from orders.serializers import (
    OrderCreateSerializer,
    OrderEventListSerializer,
    OrderEventSerializer,
    OrderSerializer,
    OrderStatusUpdateSerializer,
)


def actor_of(principal: Principal) -> str:
    """Return how order history names the caller."""
    return f"api_key:{principal.api_key_id}" if principal.is_api_key else f"user:{principal.user_id}"


@extend_schema(tags=["orders"])
class OrderViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
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
    filterset_class = OrderFilter
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    queryset = Order.objects.none()  # for the schema's model; requests use get_queryset()

    def get_queryset(self) -> QuerySet[Order]:
        """The caller's company's orders, newest first."""
        return selectors.order_list(company_id=get_principal(self.request).company_id)

    def _order(self, request: Request, pk: str) -> Order:
        try:
            return selectors.order_get(company_id=get_principal(request).company_id, order_id=pk)
        except (Order.DoesNotExist, DjangoValidationError):  # another company's order is simply not found
            raise NotFound("Order not found.")

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        """List orders, newest first; filter by status, provider, orderType, branchId, externalOrderId, dates."""
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=OrderCreateSerializer,
        parameters=[idempotency.PARAMETER],
        responses={
            201: OrderSerializer,
            400: OpenApiResponse(description="Invalid input, phone or totals"),
            409: OpenApiResponse(description="This provider's externalOrderId exists; details.orderId names it"),
            422: idempotency.REUSED_RESPONSE,
        },
    )
    def create(self, request: Request) -> Response:
        """Create an order (status pending); publishes order.created."""
        idem = idempotency.from_request(request)
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = get_principal(request)
        result = services.order_create(
            company_id=principal.company_id, data=serializer.to_input(), actor=actor_of(principal), idempotency=idem
        )
        order = result.order if result.created else self._order(request, str(result.order.id))
        headers = {} if result.created else idempotency.REPLAYED_HEADER
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
        return Response(OrderSerializer(order).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("page", {"type": "integer", "minimum": 1}, OpenApiParameter.QUERY),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": 100}, OpenApiParameter.QUERY),
        ],
        responses=OrderEventListSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=page_pagination("events"), filterset_class=None)
    def events(self, request: Request, pk: str) -> Response:
        """The order's history: creation, every status change and update (from, to, actor, reason, time)."""
        order = self._order(request, pk)
        page = self.paginate_queryset(
            selectors.order_events(company_id=get_principal(request).company_id, order_id=order.id)
        )
        return self.get_paginated_response(OrderEventSerializer(page, many=True).data)
