"""API shapes of webhook endpoints, deliveries, attempts and the event catalog."""

import json
from typing import Any

from django.conf import settings
from rest_framework import serializers

from config.api.fields import ModelSerializer, TimestampField
from config.api.pagination import PaginationSerializer
from core.errors import InvalidInput
from core.filters import SEED_CHOICE_MESSAGE
from webhooks import catalog, client, services, signing
from webhooks.models import Attempt, Delivery, Endpoint

# The statuses a caller may set (failed is set only by the hub).
SETTABLE_STATUS_CHOICES = [("active", "Active"), ("inactive", "Inactive")]


def validate_events(value: list[str]) -> list[str]:
    unknown = [e for e in value if not catalog.is_valid_subscription(e)]
    if unknown:
        raise serializers.ValidationError(
            f"Unknown event type(s): {', '.join(unknown)}. "
            f"Allowed: {', '.join(catalog.allowed_patterns())} (see GET /api/v1/webhooks/event-types)."
        )
    return value


def validate_url(value: str) -> str:
    try:
        client.url_check(value)
    except client.UnsafeURLError as exc:
        raise serializers.ValidationError(str(exc)) from exc
    return value


def validate_headers(value: dict[str, Any]) -> dict[str, Any]:
    try:
        services.headers_check(value)
    except InvalidInput as exc:
        raise serializers.ValidationError(exc.details["headers"]) from exc
    return value


def validate_metadata(value: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(value)) > 4096:
        raise serializers.ValidationError("metadata may hold at most 4 KB of JSON.")
    return value


class RetryPolicySerializer(serializers.Serializer):
    max_retries = serializers.IntegerField()
    schedule_seconds = serializers.ListField(child=serializers.IntegerField())
    jitter_percent = serializers.IntegerField()


class EndpointSerializer(ModelSerializer):
    secret_hint = serializers.SerializerMethodField(
        help_text="The secret's last characters; the secret is never listed."
    )
    previous_secret_expires_at = serializers.SerializerMethodField()
    retry_policy = serializers.SerializerMethodField()
    headers = serializers.SerializerMethodField(
        help_text="Custom headers with masked values (****, or **** and the last 4 characters of long ones); "
        "send a masked value back unchanged to keep the stored one."
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "name",
            "url",
            "description",
            "events",
            "status",
            "disabled_reason",
            "disabled_at",
            "max_retries",
            "retry_policy",
            "headers",
            "rate_limit",
            "metadata",
            "secret_hint",
            "previous_secret_expires_at",
            "failure_count",
            "failing_since",
            "last_triggered_at",
            "last_success_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_secret_hint(self, obj: Endpoint) -> str:
        return signing.mask(obj.secret)

    def get_headers(self, obj: Endpoint) -> dict[str, str]:
        return services.headers_masked(obj.headers)

    def get_previous_secret_expires_at(self, obj: Endpoint) -> str | None:
        secrets = obj.signing_secrets()
        return TimestampField().to_representation(obj.previous_secret_expires_at) if len(secrets) > 1 else None

    @staticmethod
    def _policy(obj: Endpoint) -> dict[str, Any]:
        schedule = settings.WEBHOOK_RETRY_SCHEDULE
        delays = [schedule[min(n, len(schedule) - 1)] for n in range(1, obj.max_retries + 1)]
        return {
            "max_retries": obj.max_retries,
            "schedule_seconds": delays,
            "jitter_percent": settings.WEBHOOK_RETRY_JITTER_PERCENT,
        }

    def get_retry_policy(self, obj: Endpoint) -> dict[str, Any]:
        return RetryPolicySerializer(self._policy(obj)).data


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.SerializerMethodField(help_text="The signing secret (whsec_…). Store it now.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, obj: Endpoint) -> str:
        return self.context["secret"]


class EndpointWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    url = serializers.URLField(max_length=2000, validators=[validate_url])
    events = serializers.ListField(
        child=serializers.CharField(max_length=64), allow_empty=False, max_length=100, validators=[validate_events]
    )
    max_retries = serializers.IntegerField(min_value=0, required=False)
    headers = serializers.DictField(
        child=serializers.CharField(max_length=1000), required=False, validators=[validate_headers]
    )
    rate_limit = serializers.IntegerField(
        min_value=1, max_value=10_000, required=False, allow_null=True, help_text="Deliveries per second"
    )
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    metadata = serializers.DictField(required=False, validators=[validate_metadata])

    def validate_max_retries(self, value: int) -> int:
        limit = settings.WEBHOOK_MAX_RETRIES_LIMIT
        if value > limit:
            raise serializers.ValidationError(f"maxRetries must be between 0 and {limit}.")
        return value


class EndpointUpdateSerializer(EndpointWriteSerializer):
    name = serializers.CharField(max_length=120, required=False)
    url = serializers.URLField(max_length=2000, validators=[validate_url], required=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=64),
        allow_empty=False,
        max_length=100,
        validators=[validate_events],
        required=False,
    )
    status = serializers.ChoiceField(
        choices=SETTABLE_STATUS_CHOICES,
        required=False,
        # An invalid enum value names the allowed ones (the wording of list filters, core.filters).
        error_messages={
            "invalid_choice": SEED_CHOICE_MESSAGE.format(
                label="status", allowed=", ".join(v for v, _ in SETTABLE_STATUS_CHOICES)
            )
        },
        help_text="active re-enables (also after an automatic disable); inactive pauses deliveries.",
    )


class AttemptSerializer(ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["number", "success", "status_code", "duration_ms", "error", "response_body", "created_at"]
        read_only_fields = fields


class DeliverySerializer(ModelSerializer):
    webhook_id = serializers.UUIDField(source="endpoint_id", read_only=True)
    event_id = serializers.UUIDField(read_only=True)
    event = serializers.CharField(source="event_type", read_only=True)
    message_id = serializers.CharField(source="event.message_id", read_only=True)
    payload = serializers.SerializerMethodField()
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook_id",
            "event_id",
            "event",
            "message_id",
            "status",
            "attempt_count",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "updated_at",
            "payload",
            "attempts",
        ]
        read_only_fields = fields

    def get_payload(self, obj: Delivery) -> dict[str, Any]:
        return json.loads(services.event_body(obj.event))


class TestResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    status_code = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    response_body = serializers.CharField(allow_blank=True)
    delivery_id = serializers.UUIDField()
    event_id = serializers.UUIDField()
    message_id = serializers.CharField()


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The current signing secret (whsec_…).")
    previous_secret_expires_at = TimestampField(allow_null=True)


class RecoverSerializer(serializers.Serializer):
    since = TimestampField(help_text="Re-send every failed delivery created at or after this time.")


class RecoverResultSerializer(serializers.Serializer):
    requeued = serializers.IntegerField()


class EventTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
    group = serializers.CharField()
    description = serializers.CharField()
    example = serializers.DictField(help_text="An example of the payload's data")
    payload = serializers.DictField(help_text="An example of the whole body POSTed")


class EventTypeListSerializer(serializers.Serializer):
    event_types = EventTypeSerializer(many=True)
    wildcards = serializers.ListField(child=serializers.CharField())


class WebhookLogSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    webhook_id = serializers.UUIDField(source="delivery.endpoint_id")
    webhook_name = serializers.CharField(source="delivery.endpoint.name")
    url = serializers.CharField(source="delivery.endpoint.url")
    delivery_id = serializers.UUIDField()
    event_id = serializers.UUIDField(source="delivery.event_id")
    event = serializers.CharField(source="delivery.event_type")
    attempt = serializers.IntegerField(source="number")
    status = serializers.SerializerMethodField()
    status_code = serializers.IntegerField(allow_null=True)
    duration = serializers.IntegerField(source="duration_ms", help_text="milliseconds")
    error = serializers.CharField()
    response_body = serializers.CharField()
    created_at = TimestampField()

    def get_status(self, obj: Attempt) -> str:
        return "success" if obj.success else "failed"


class DeliveryPageSerializer(serializers.Serializer):
    deliveries = DeliverySerializer(many=True)
    pagination = PaginationSerializer()


class WebhookLogPageSerializer(serializers.Serializer):
    logs = WebhookLogSerializer(many=True)
    pagination = PaginationSerializer()
