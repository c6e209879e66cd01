"""Input validation and output shapes of the payment endpoints (snake_case here, camelCase on the wire)."""

import json
from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import ModelSerializer, TimestampField
from core import money
from payments.models import GATEWAYS, Payment, Refund
from payments.services import MAX_AMOUNT, PaymentInput


def choice_field(choices: list[str], *, name: str, **kwargs: Any) -> serializers.ChoiceField:
    """Return a ChoiceField whose error names the allowed values (source API 000 style)."""
    allowed = ", ".join(choices)
    return serializers.ChoiceField(
        choices=choices,
        error_messages={"invalid_choice": f'"{{input}}" is not a valid {name}; allowed values: {allowed}.'},
        **kwargs,
    )


class AmountField(serializers.DecimalField):
    """A positive amount given as a JSON number or string ("99.99")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=14, decimal_places=3, min_value=Decimal("0.001"), max_value=MAX_AMOUNT, **kwargs)


class MetadataField(serializers.DictField):
    """Free-form metadata: a JSON object of at most 8 KB without NUL characters (PostgreSQL refuses them)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        text = json.dumps(value)
        if "\\u0000" in text:
            raise serializers.ValidationError("metadata must not contain NUL characters.")
        if len(text) > 8192:
            raise serializers.ValidationError("metadata is at most 8 KB of JSON.")
        return value


class ChargeSerializer(serializers.Serializer):
    """What every charge names: the integration (`integrationId`, else `gateway`'s active one) and the money."""

    gateway = choice_field(list(GATEWAYS), name="gateway", required=False)
    integration_id = serializers.UUIDField(required=False)
    amount = AmountField()
    currency = serializers.CharField(max_length=3)

    def validate_currency(self, value: str) -> str:
        try:
            return money.currency_code(value)
        except money.InvalidCurrency as exc:
            raise serializers.ValidationError(str(exc))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("gateway") and not attrs.get("integration_id"):
            raise serializers.ValidationError({"gateway": "Give gateway or integrationId."})
        currency = attrs["currency"]
        if not money.fits(attrs["amount"], currency):
            raise serializers.ValidationError(
                {"amount": f"{currency} amounts have at most {money.minor_units(currency)} decimal places."}
            )
        return attrs


class PaymentCreateSerializer(ChargeSerializer):
    """Source API 003's process-payment body."""

    customer_id = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    payment_method_id = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    source = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="Alias of paymentMethodId (a card token)."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    metadata = MetadataField(required=False, default=dict)
    order_id = serializers.UUIDField(required=False, allow_null=True, help_text="The hub order this payment is for.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs.get("source") and not attrs.get("payment_method_id"):
            attrs["payment_method_id"] = attrs["source"]
        return attrs

    def to_input(self, *, is_test: bool = False) -> PaymentInput:
        d = self.validated_data
        return PaymentInput(
            amount=d["amount"],
            currency=d["currency"],
            payment_method_id=d["payment_method_id"],
            customer_id=d["customer_id"],
            description=d["description"],
            metadata=d["metadata"],
            order_id=d.get("order_id"),
            is_test=is_test,
        )


class TestPaymentSerializer(ChargeSerializer):
    """Source API 004's test payment: a small charge through a sandbox integration."""

    order_id = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    payment_method_id = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


class RefundCreateSerializer(serializers.Serializer):
    """A refund of a payment; no amount refunds the whole refundable remainder."""

    amount = AmountField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    metadata = MetadataField(required=False, default=dict)


class RefundByTransactionSerializer(RefundCreateSerializer):
    """Source API 003's refund body: transactionId is our payment id or the gateway's transaction id."""

    transaction_id = serializers.CharField(max_length=255)


class RefundSerializer(ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = Refund
        fields = [
            "id",
            "payment_id",
            "amount",
            "currency",
            "status",
            "reason",
            "gateway_refund_id",
            "gateway_status",
            "failure_code",
            "failure_message",
            "source",
            "metadata",
            "created_at",
            "updated_at",
            "completed_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_amount(self, obj: Refund) -> str | None:
        return money.as_str(obj.amount, obj.currency)


class PaymentSerializer(ModelSerializer):
    transaction_id = serializers.UUIDField(source="id", read_only=True, help_text="source API 003's transactionId.")
    amount = serializers.SerializerMethodField()
    amount_refunded = serializers.SerializerMethodField()
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "transaction_id",
            "gateway",
            "integration_id",
            "amount",
            "currency",
            "amount_refunded",
            "status",
            "gateway_transaction_id",
            "gateway_status",
            "customer_id",
            "payment_method_id",
            "description",
            "metadata",
            "order_id",
            "failure_code",
            "failure_message",
            "is_test",
            "refunds",
            "created_at",
            "updated_at",
            "completed_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_amount(self, obj: Payment) -> str | None:
        return money.as_str(obj.amount, obj.currency)

    @extend_schema_field(OpenApiTypes.STR)
    def get_amount_refunded(self, obj: Payment) -> str | None:
        return money.as_str(obj.amount_refunded, obj.currency)


class PaymentProcessedSerializer(PaymentSerializer):
    """A created payment; clientSecret is Stripe's, for the browser to finish an authentication, shown once."""

    client_secret = serializers.CharField(read_only=True, allow_null=True)

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "client_secret"]


class RefundResultSerializer(serializers.Serializer):
    refund = RefundSerializer()
    payment = PaymentSerializer()


class TestPaymentResultSerializer(serializers.Serializer):
    """Source API 004's test-payment answer; a decline or gateway failure is success false, not an error status."""

    success = serializers.BooleanField()
    payment_id = serializers.UUIDField()
    transaction_id = serializers.CharField(help_text="The gateway's transaction id.")
    status = serializers.CharField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    gateway = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=["succeeded", "pending", "declined", "error", "unreachable", "timeout", "unknown"],
        help_text="What the gateway answered: declined (card refused), error (its failure), timeout (unknown).",
    )
    failure_code = serializers.CharField(allow_null=True)
    failure_message = serializers.CharField(allow_null=True)


class CurrencyVolumeSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    volume = serializers.CharField()
    average = serializers.CharField(allow_null=True)


class GatewayStatsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    successful = serializers.IntegerField()
    failed = serializers.IntegerField()
    volume = serializers.CharField(allow_null=True, help_text="Only when all its payments share one currency.")
    by_currency = serializers.DictField(child=CurrencyVolumeSerializer())


class PeriodSerializer(serializers.Serializer):
    start_date = TimestampField(allow_null=True)
    end_date = TimestampField(allow_null=True)


class GatewaysSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    active = serializers.IntegerField()
    available = serializers.ListField(child=serializers.CharField())
    supported = serializers.ListField(child=serializers.CharField())


class PaymentStatsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    total_payments = serializers.IntegerField()
    successful_payments = serializers.IntegerField()
    failed_payments = serializers.IntegerField()
    pending_payments = serializers.IntegerField()
    refunded_payments = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True)
    total_volume = serializers.CharField(allow_null=True, help_text="Only when one currency is involved.")
    average_amount = serializers.CharField(allow_null=True)
    refunded_volume = serializers.CharField(allow_null=True)
    by_currency = serializers.DictField(child=CurrencyVolumeSerializer())
    gateways = GatewaysSummarySerializer()
    by_gateway = serializers.DictField(child=GatewayStatsSerializer())
