"""Order API shapes: validate input into services' dataclasses and render orders, items and events."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import ModelSerializer, TimestampField
from config.api.pagination import PaginationSerializer
from core import money
from core.phones import InvalidPhone, to_e164
from orders.models import API_PROVIDER, Customer, Order, OrderEvent, OrderItem, Product, provider_choices
from orders.payloads import render_item, render_order
from orders.services import ItemInput, OrderInput
from orders.status import Status

MONEY = {"max_digits": 14, "decimal_places": 3}


def choice_field(choices: list[tuple[str, str]], *, name: str, **kwargs: Any) -> serializers.ChoiceField:
    """Return a ChoiceField whose error names the allowed values (source API 000 style)."""
    allowed = ", ".join(value for value, _ in choices)
    return serializers.ChoiceField(
        choices=choices,
        error_messages={"invalid_choice": f'"{{input}}" is not a valid {name}; allowed values: {allowed}.'},
        **kwargs,
    )


class OrderItemSerializer(serializers.Serializer):
    """One order line. Fields are declared for the schema; rendering is the hand-built dict below."""

    id = serializers.IntegerField()
    product_id = serializers.IntegerField(allow_null=True)
    sku = serializers.CharField()
    external_product_id = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(**MONEY)
    modifiers = serializers.ListField(child=serializers.DictField())
    line_total = serializers.DecimalField(**MONEY)
    notes = serializers.CharField()

    def to_representation(self, item: OrderItem) -> dict[str, Any]:
        return render_item(item, self.context.get("currency", "USD"))


class OrderSerializer(serializers.Serializer):
    """An order as the API and the webhook events show it; amounts are strings in the currency's decimals.

    Creating orders is the hot path, so rendering is a hand-built dict rather than per-field
    serializer machinery (a test keeps it in step with the fields declared here for the schema).
    """

    id = serializers.UUIDField()
    provider = serializers.ChoiceField(choices=provider_choices())
    external_order_id = serializers.CharField()
    branch_id = serializers.CharField()
    order_type = serializers.ChoiceField(choices=Order.OrderType.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    allowed_next_statuses = serializers.ListField(child=serializers.ChoiceField(choices=Status.choices))
    customer_id = serializers.UUIDField(allow_null=True)
    customer_name = serializers.CharField()
    customer_phone = serializers.CharField(help_text="E.164")
    delivery_address = serializers.CharField()
    notes = serializers.CharField()
    currency = serializers.CharField()
    items = OrderItemSerializer(many=True)
    subtotal = serializers.DecimalField(**MONEY)
    delivery_fee = serializers.DecimalField(**MONEY)
    tax = serializers.DecimalField(**MONEY)
    discount = serializers.DecimalField(**MONEY)
    tip = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    metadata = serializers.DictField()
    placed_at = TimestampField(allow_null=True)
    status_changed_at = TimestampField(allow_null=True)
    created_at = TimestampField()
    updated_at = TimestampField()

    def to_representation(self, order: Order) -> dict[str, Any]:
        return render_order(order)


class OrderEventSerializer(ModelSerializer):
    """One history entry: from → to, who, why, when."""

    time = TimestampField(source="created_at", read_only=True)

    class Meta:
        model = OrderEvent
        fields = ["id", "kind", "from_status", "to_status", "actor", "reason", "time"]
        read_only_fields = fields


class OrderEventListSerializer(serializers.Serializer):
    """{"events": [...], "pagination": {...}} (schema only)."""

    events = OrderEventSerializer(many=True)
    pagination = PaginationSerializer()


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "maxLength": 100}]})
class ProductRefField(serializers.Field):
    """A `productId`: our integer id (a number or a digit string), or the partner's own string id."""

    default_error_messages = {
        "invalid": "productId must be our integer product id or the partner's product id (a string).",
        "min_value": "productId must be at least 1.",
        "max_length": "productId must be at most 100 characters.",
    }

    def to_internal_value(self, data: Any) -> int | str:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, str):
            data = data.strip()
            if not data:
                self.fail("invalid")
            if not data.isascii() or not data.isdigit():
                if len(data) > 100:
                    self.fail("max_length")
                return data
            if len(data) > 18:  # beyond a bigint: it cannot be one of our ids, so it is the partner's
                return data
            data = int(data)
        if data < 1:
            self.fail("min_value")
        if data >= 2**63:  # no id of ours is that large
            self.fail("invalid")
        return data

    def to_representation(self, value: int | str) -> int | str:
        return value


class OrderItemInputSerializer(serializers.Serializer):
    """One line of a new order: name a product by `productId` and/or `sku` (or give name and price)."""

    product_id = ProductRefField(
        required=False,
        allow_null=True,
        help_text="Our integer product id, or the partner's own id (matched against SKUs, else kept "
        "as externalProductId).",
    )
    sku = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    external_product_id = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    name = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)
    unit_price = serializers.DecimalField(**MONEY, required=False, allow_null=True, min_value=0)
    modifiers = serializers.ListField(child=serializers.JSONField(), required=False, default=list, max_length=50)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("product_id") is None and not attrs.get("sku") and not attrs.get("name"):
            raise serializers.ValidationError("Name the item by productId, sku or name.")
        if isinstance(attrs.get("product_id"), str):
            attrs["product_ref"] = attrs.pop("product_id")
        return attrs


class OrderCreateSerializer(serializers.Serializer):
    """A new order (source API 002 CreateIntegrationOrderDto, with prices, totals and provider added)."""

    provider = choice_field(provider_choices(), name="provider", required=False, default=API_PROVIDER)
    external_order_id = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    branch_id = serializers.CharField(max_length=100)
    order_type = choice_field(Order.OrderType.choices, name="orderType")
    items = OrderItemInputSerializer(many=True, allow_empty=False, max_length=200)
    customer_name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    customer_phone = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    delivery_address = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    currency = serializers.CharField(required=False, default="USD", min_length=3, max_length=3)
    delivery_fee = serializers.DecimalField(**MONEY, required=False, default=money.ZERO)
    tax = serializers.DecimalField(**MONEY, required=False, default=money.ZERO)
    discount = serializers.DecimalField(**MONEY, required=False, default=money.ZERO)
    tip = serializers.DecimalField(**MONEY, required=False, default=money.ZERO)
    subtotal = serializers.DecimalField(
        **MONEY, required=False, allow_null=True, help_text="Optional; checked against the items."
    )
    total = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        help_text="Optional; must equal subtotal + deliveryFee + tax + tip - discount, else 400.",
    )
    placed_at = serializers.DateTimeField(required=False, allow_null=True)
    metadata = serializers.DictField(required=False, default=dict)

    def validate_customer_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            return to_e164(value)
        except InvalidPhone as exc:
            raise serializers.ValidationError(str(exc))

    def validate_currency(self, value: str) -> str:
        try:
            return money.currency_code(value)
        except money.InvalidCurrency as exc:
            raise serializers.ValidationError(str(exc))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["order_type"] == Order.OrderType.DELIVERY and not attrs.get("delivery_address"):
            raise serializers.ValidationError({"delivery_address": "A delivery order needs a deliveryAddress."})
        if attrs["provider"] != API_PROVIDER and not attrs.get("external_order_id"):
            raise serializers.ValidationError(
                {"external_order_id": "Orders from a provider need that provider's externalOrderId."}
            )
        return attrs

    def to_input(self) -> OrderInput:
        data = dict(self.validated_data)
        items = [ItemInput(**item) for item in data.pop("items")]
        return OrderInput(items=items, **data)


class OrderStatusUpdateSerializer(serializers.Serializer):
    """Source API 002 UpdateOrderStatusDto, plus an optional expected current status (optimistic check)."""

    status = choice_field(Status.choices, name="status")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    expected_status = choice_field(
        Status.choices,
        name="expectedStatus",
        required=False,
        help_text="If given, the change only applies while the order is still in this status (else 409).",
    )


# --- products and customers ------------------------------------------------------------------


class ProductSerializer(ModelSerializer):
    """A catalog product; `id` is the integer `productId` that order items name."""

    price = serializers.DecimalField(**MONEY, min_value=0, required=False, default=money.ZERO)
    active = serializers.BooleanField(source="is_active", required=False, default=True)

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "price", "currency", "active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"sku": {"max_length": 100}, "currency": {"min_length": 3, "max_length": 3}}

    def validate_currency(self, value: str) -> str:
        try:
            return money.currency_code(value)
        except money.InvalidCurrency as exc:
            raise serializers.ValidationError(str(exc))

    def validate_sku(self, value: str) -> str:
        return value.strip()

    def to_representation(self, instance: Product) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["price"] = money.as_str(instance.price, instance.currency)
        return data


class ProductListSerializer(serializers.Serializer):
    """{"products": [...], "pagination": {...}} (schema only)."""

    products = ProductSerializer(many=True)
    pagination = PaginationSerializer()


# An email checked on input, but possibly blank on output (customers synced without one): the
# schema says "string" rather than format "email", which an empty string would break.
class EmailOrBlankField(serializers.CharField):
    """Checked in `to_internal_value` rather than by a validator, which the schema would turn into a format."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value:
            try:
                EmailValidator()(value)
            except DjangoValidationError:
                raise serializers.ValidationError("Enter a valid email address.")
        return value


class CustomerSerializer(ModelSerializer):
    """A customer: phone in E.164 (unique per company), name, email."""

    phone = serializers.CharField(max_length=40, help_text="Any format with a country code; stored in E.164.")
    email = EmailOrBlankField(required=False, allow_blank=True, max_length=254)

    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "email", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_phone(self, value: str) -> str:
        try:
            return to_e164(value)
        except InvalidPhone as exc:
            raise serializers.ValidationError(str(exc))


class CustomerListSerializer(serializers.Serializer):
    """{"customers": [...], "pagination": {...}} (schema only)."""

    customers = CustomerSerializer(many=True)
    pagination = PaginationSerializer()
