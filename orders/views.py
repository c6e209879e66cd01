"""The order endpoints of source API 002, plus products and customers; thin: validate, call one service."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.principal import Principal, get_principal
from accounts.scopes import ORDERS_READ, ORDERS_WRITE
from config.api.pagination import page_pagination
from core import idempotency
from core.errors import NotFound, get_or_not_found
from orders import selectors, services
from orders.filters import CustomerFilter, OrderFilter, ProductFilter
from orders.models import Customer, Order, Product
from orders.serializers import (
    CustomerSerializer,
    OrderCreateSerializer,
    OrderEventListSerializer,
    OrderEventSerializer,
    OrderSerializer,
    OrderStatusUpdateSerializer,
    ProductSerializer,
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


CATALOG_SCOPES = {
    "list": [ORDERS_READ],
    "retrieve": [ORDERS_READ],
    "create": [ORDERS_WRITE],
    "update": [ORDERS_WRITE],
    "partial_update": [ORDERS_WRITE],
}
CATALOG_ERRORS = {400: OpenApiResponse(description="Invalid input; details name the field")}


class CatalogViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Shared by products and customers: scoped reads; writes validated here and saved by one service."""

    required_scopes = CATALOG_SCOPES
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    resource = ""  # "Product" → "Product not found."

    def get_object(self) -> Product | Customer:
        # Another company's row is absent from the scoped queryset: the same 404 as a missing one.
        return get_or_not_found(self.get_queryset(), self.resource, pk=self.kwargs["pk"])

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = self.create_row(
            company_id=get_principal(self.request).company_id, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = self.update_row(
            get_principal(self.request).company_id, serializer.instance.pk, dict(serializer.validated_data)
        )


@extend_schema(tags=["products"])
@extend_schema_view(
    list=extend_schema(
        description="List the company's products; filter by sku, name (contains), active, startDate/endDate.",
    ),
    create=extend_schema(
        responses={201: ProductSerializer, **CATALOG_ERRORS, 409: OpenApiResponse(description="The SKU exists")},
        description="Create a product; a SKU the company already has → 409.",
    ),
    retrieve=extend_schema(description="Get one product (another company's → 404)."),
    update=extend_schema(
        responses={200: ProductSerializer, **CATALOG_ERRORS}, description="Replace the product's fields."
    ),
    partial_update=extend_schema(
        responses={200: ProductSerializer, **CATALOG_ERRORS}, description="Change some of the product's fields."
    ),
)
class ProductViewSet(CatalogViewSet):
    """The company's catalog: list (filter by sku, name, active, dates), create, read, update."""

    pagination_class = page_pagination("products")
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    lookup_value_regex = "[0-9]{1,18}"
    resource = "Product"
    queryset = Product.objects.none()  # for the schema's model; requests use get_queryset()

    def get_queryset(self) -> QuerySet[Product]:
        return selectors.product_list(company_id=get_principal(self.request).company_id)

    @staticmethod
    def create_row(**fields: Any) -> Product:
        return services.product_create(**fields)

    @staticmethod
    def update_row(company_id: Any, pk: int, changes: dict[str, Any]) -> Product:
        return services.product_update(company_id=company_id, product_id=pk, changes=changes)


@extend_schema(tags=["customers"])
@extend_schema_view(
    list=extend_schema(
        description="List the company's customers; filter by email, phone (any format), name, startDate, endDate.",
    ),
    create=extend_schema(
        responses={201: CustomerSerializer, **CATALOG_ERRORS, 409: OpenApiResponse(description="The phone exists")},
        description="Create a customer; a phone the company already has → 409.",
    ),
    retrieve=extend_schema(description="Get one customer (another company's → 404)."),
    update=extend_schema(
        responses={200: CustomerSerializer, **CATALOG_ERRORS}, description="Replace the customer's fields."
    ),
    partial_update=extend_schema(
        responses={200: CustomerSerializer, **CATALOG_ERRORS}, description="Change some of the customer's fields."
    ),
)
class CustomerViewSet(CatalogViewSet):
    """The company's customers: list (filter by email, phone, name, dates), create, read, update."""

    pagination_class = page_pagination("customers")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    resource = "Customer"
    queryset = Customer.objects.none()

    def get_queryset(self) -> QuerySet[Customer]:
        return selectors.customer_list(company_id=get_principal(self.request).company_id)

    @staticmethod
    def create_row(**fields: Any) -> Customer:
        return services.customer_create(**fields)

    @staticmethod
    def update_row(company_id: Any, pk: Any, changes: dict[str, Any]) -> Customer:
        return services.customer_update(company_id=company_id, customer_id=pk, changes=changes)
