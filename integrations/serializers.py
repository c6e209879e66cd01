"""Shapes of the integrations API: secrets are masked in every response."""

from urllib.parse import urlsplit

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import ModelSerializer, TimestampField
from core.filters import SEED_CHOICE_MESSAGE
from core.outbound import redact_url
from integrations.configuration import config_masked
from integrations.models import Integration
from integrations.providers import all_providers
from integrations.providers.base import CATEGORIES
from logs.models import INTEGRATION_TYPES
from logs.serializers import IntegrationLogSerializer as LogSerializer


def inbound_url(integration: Integration, request=None) -> str:
    """Return the receiver URL to give the provider (INTEGRATIONS_PUBLIC_BASE_URL when set)."""
    path = f"/api/v1/inbound/{integration.id}/"
    if settings.INTEGRATIONS_PUBLIC_BASE_URL:
        return settings.INTEGRATIONS_PUBLIC_BASE_URL.rstrip("/") + path
    return request.build_absolute_uri(path) if request is not None else path


def _netloc(url: str) -> str:
    try:
        return urlsplit(url).netloc
    except ValueError:
        return ""


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    checked_at = TimestampField(allow_null=True)
    latency_ms = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


class IntegrationSerializer(ModelSerializer):
    company_id = serializers.UUIDField(read_only=True)
    type = serializers.CharField(source="category", read_only=True, help_text="The category (source API 001's `type`).")
    config = serializers.SerializerMethodField()
    health = serializers.SerializerMethodField()
    inbound_url = serializers.SerializerMethodField()
    inbound_scheme = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id",
            "company_id",
            "name",
            "provider",
            "category",
            "type",
            "status",
            "config",
            "health",
            "inbound_url",
            "inbound_scheme",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_config(self, obj: Integration) -> dict:
        shown = config_masked(config=obj.config, credentials=obj.credentials)
        # URLs stored before userinfo was refused are shown without it.
        for spec in obj.provider_spec().fields:
            value = shown.get(spec.name)
            if spec.kind == "url" and isinstance(value, str) and "@" in _netloc(value):
                shown[spec.name] = redact_url(value)
        return shown

    @extend_schema_field(HealthSerializer)
    def get_health(self, obj: Integration) -> dict:
        return HealthSerializer(
            {
                "status": obj.health_status,
                "checked_at": obj.last_check_at,
                "latency_ms": obj.last_check_latency_ms,
                "error": obj.last_check_error,
            }
        ).data

    def get_inbound_url(self, obj: Integration) -> str | None:
        if obj.provider_spec().inbound is None:
            return None
        return inbound_url(obj, self.context.get("request"))

    def get_inbound_scheme(self, obj: Integration) -> str | None:
        scheme = obj.provider_spec().inbound
        return scheme.summary if scheme else None


# An invalid enum value names the allowed ones (the wording of list filters, core.filters).
STATUS_ERRORS = {
    "invalid_choice": SEED_CHOICE_MESSAGE.format(label="status", allowed=", ".join(Integration.Status.values))
}


class IntegrationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    provider = serializers.ChoiceField(choices=[])
    type = serializers.ChoiceField(
        choices=CATEGORIES, required=False, help_text="Optional; must match the provider's category."
    )
    status = serializers.ChoiceField(
        choices=Integration.Status.choices, default=Integration.Status.ACTIVE, error_messages=STATUS_ERRORS
    )
    config = serializers.DictField(default=dict, help_text="The provider's fields (see GET integrations/providers).")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        keys = [t for t in INTEGRATION_TYPES if t in all_providers()]
        self.fields["provider"].choices = keys
        self.fields["provider"].error_messages["invalid_choice"] = (
            '"{input}" is not a provider; allowed: ' + ", ".join(keys) + "."
        )

    def validate(self, attrs: dict) -> dict:
        category = all_providers()[attrs["provider"]].category
        if attrs.get("type") not in (None, "", category):
            raise serializers.ValidationError({"type": f"{attrs['provider']} is a {category} integration."})
        attrs.pop("type", None)
        return attrs


class IntegrationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    provider = serializers.CharField(required=False)
    type = serializers.ChoiceField(
        choices=CATEGORIES, required=False, help_text="Optional; must match the integration's category."
    )
    status = serializers.ChoiceField(choices=Integration.Status.choices, required=False, error_messages=STATUS_ERRORS)
    config = serializers.DictField(required=False, help_text="Merged: omitted fields keep their values.")


class IntegrationLogEntrySerializer(LogSerializer):
    """A log of one integration: the logs app's shape plus source API 001's integrationId and createdAt."""

    created_at = TimestampField(source="timestamp")

    class Meta(LogSerializer.Meta):
        fields = [*LogSerializer.Meta.fields, "integration_id", "created_at"]


class StatusSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    healthy = serializers.IntegerField()
    unhealthy = serializers.IntegerField()
    error = serializers.IntegerField()
    unknown = serializers.IntegerField()
    integrations = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListSerializer(
            child=serializers.DictField(help_text="id, name, provider, category, status, health")
        )
    )
    def get_integrations(self, obj: dict) -> list[dict]:
        return [
            {
                "id": str(i.id),
                "name": i.name,
                "provider": i.provider,
                "category": i.category,
                "status": i.status,
                "health": IntegrationSerializer().get_health(i),
            }
            for i in obj["integrations"]
        ]


class HealthCheckResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    latency_ms = serializers.IntegerField(allow_null=True)
    http_status = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    checked_at = TimestampField(allow_null=True)


class ConfigFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()
    required = serializers.BooleanField()
    secret = serializers.BooleanField()
    default = serializers.JSONField(allow_null=True)
    help = serializers.CharField(allow_blank=True)


class ProviderSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    category = serializers.CharField()
    config_fields = ConfigFieldSerializer(many=True, source="fields")
    inbound_scheme = serializers.SerializerMethodField()
    inbound_help = serializers.CharField()

    def get_inbound_scheme(self, obj) -> str | None:
        return obj.inbound.summary if obj.inbound else None


class InboundReceiptSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(required=False)
    event_id = serializers.UUIDField(allow_null=True, required=False)


class ProviderListSerializer(serializers.Serializer):
    providers = ProviderSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    """The error envelope every 4xx/5xx answers with (docs/architecture.md)."""

    status_code = serializers.IntegerField()
    error = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


def errors(*codes: int) -> dict[int, type[ErrorSerializer]]:
    """Return schema responses documenting the envelope for these status codes (429 always)."""
    return dict.fromkeys((*codes, 401, 429), ErrorSerializer)
