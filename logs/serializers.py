"""Query parameters (validated, naming allowed values) and response shapes of the log endpoints."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import ModelSerializer, TimestampField
from config.api.pagination import PaginationSerializer
from logs.models import INTEGRATION_TYPES, ApiRequestLog, IntegrationLog
from logs.selectors import SORT_FIELDS

MAX_LIMIT = 100


def _choice(label: str, choices: tuple[str, ...] | list[str], **kwargs: Any) -> serializers.ChoiceField:
    """A choice whose error names every allowed value, as source API 000 does."""
    message = f"Invalid {label}. Must be one of: {', '.join(choices)}"
    return serializers.ChoiceField(
        choices=list(choices), required=False, error_messages={"invalid_choice": message}, **kwargs
    )


def integration_type_field(**kwargs: Any) -> serializers.ChoiceField:
    return _choice("integration type", INTEGRATION_TYPES, **kwargs)


def _limit(default: int, maximum: int = MAX_LIMIT) -> serializers.IntegerField:
    message = f"limit must be an integer between 1 and {maximum}."
    return serializers.IntegerField(
        required=False,
        default=default,
        min_value=1,
        max_value=maximum,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


_PRODUCT_ID_MESSAGE = "productId must be an integer between 0 and 9223372036854775807."


def _page() -> serializers.IntegerField:
    message = "page must be an integer ≥ 1."
    return serializers.IntegerField(
        required=False, default=1, min_value=1, error_messages={"invalid": message, "min_value": message}
    )


@extend_schema_field(OpenApiTypes.DATETIME)
class DateParamField(serializers.Field):
    """An ISO 8601 date or datetime; naive values are UTC; a bare date ends at 23:59:59.999 if `end_of_day`."""

    default_error_messages = {
        "invalid": "{name} must be an ISO 8601 date or datetime, e.g. 2025-11-06T10:30:00.000Z or 2025-11-06."
    }

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> datetime:
        raw = str(data).strip()
        try:
            # A bare date first: datetime.fromisoformat would read "2025-11-06" as its midnight.
            day = parse_date(raw) if len(raw) == 10 else None
            if day is not None:
                value = datetime.combine(day, time.max if self.end_of_day else time.min)
                if self.end_of_day:
                    value = value.replace(microsecond=999_000)
            else:
                value = parse_datetime(raw)
                if value is None:
                    raise ValueError(raw)
        except ValueError:
            self.fail("invalid", name=self.field_name)
        if timezone.is_naive(value):
            value = value.replace(tzinfo=UTC)
        try:
            # In UTC: PostgreSQL refuses offsets past ±15:59 that Python accepts (e.g. +20:29).
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            self.fail("invalid", name=self.field_name)

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class _DateRange(serializers.Serializer):
    startDate = DateParamField()
    endDate = DateParamField(end_of_day=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("startDate"), attrs.get("endDate")
        if start and end and start > end:
            raise serializers.ValidationError({"startDate": "startDate must not be after endDate."})
        return attrs


class LogListQuery(_DateRange):
    """GET /logs: source API 000 endpoint 1."""

    page = _page()
    limit = _limit(20)
    integrationType = integration_type_field()
    operation = _choice("operation", IntegrationLog.Operation.values)
    status = _choice("status", IntegrationLog.Status.values)
    productId = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        error_messages={key: _PRODUCT_ID_MESSAGE for key in ("invalid", "min_value", "max_value")},
    )
    sortBy = _choice("sortBy", tuple(SORT_FIELDS), default="timestamp")
    sortOrder = _choice("sortOrder", ("asc", "desc"), default="desc")


class ProductLogsQuery(serializers.Serializer):
    """GET /logs/product/{productId}: source API 000 endpoint 2."""

    integrationType = integration_type_field()
    operation = _choice("operation", IntegrationLog.Operation.values)
    status = _choice("status", IntegrationLog.Status.values)
    limit = _limit(50)


class ExternalLogsQuery(serializers.Serializer):
    """GET /logs/external/{integrationType}/{externalId}: source API 000 endpoint 3 (limit is ours)."""

    limit = _limit(50)


class StatsQuery(_DateRange):
    """GET /logs/stats: source API 000 endpoint 4."""

    integrationType = integration_type_field()

    # Without dates the period is the last 30 days up to the end of today (UTC).
    DEFAULT_DAYS = 30

    def period(self) -> tuple[datetime, datetime]:
        """Return the (start, end) of the requested period, defaults applied."""
        data = self.validated_data
        today = timezone.now().date()
        end = data.get("endDate") or datetime.combine(today, time.max).replace(microsecond=999_000, tzinfo=UTC)
        start = data.get("startDate") or datetime.combine(
            end.date() - timedelta(days=self.DEFAULT_DAYS), time.min, tzinfo=UTC
        )
        if start > end:  # only startDate was given, in the future
            raise serializers.ValidationError({"startDate": "startDate must not be after endDate."})
        return start, end


MAX_ERROR_HOURS = 24 * 90  # the retention period: older errors are gone anyway
_HOURS_MESSAGE = f"hours must be an integer between 1 and {MAX_ERROR_HOURS}."


class ErrorsQuery(serializers.Serializer):
    """GET /logs/errors: source API 000 endpoint 5."""

    limit = _limit(20)
    integrationType = integration_type_field()
    hours = serializers.IntegerField(
        required=False,
        default=24,
        min_value=1,
        max_value=MAX_ERROR_HOURS,
        error_messages={"invalid": _HOURS_MESSAGE, "min_value": _HOURS_MESSAGE, "max_value": _HOURS_MESSAGE},
    )


class RequestLogsQuery(_DateRange):
    """GET /logs/requests: the API request logs of source API 002."""

    METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

    page = _page()
    limit = _limit(20)
    method = _choice("method", METHODS)
    statusCode = serializers.IntegerField(
        required=False,
        min_value=100,
        max_value=599,
        error_messages={
            key: "statusCode must be an HTTP status code (100-599)." for key in ("invalid", "min_value", "max_value")
        },
    )
    statusClass = _choice("statusClass", ("2xx", "3xx", "4xx", "5xx"))
    path = serializers.CharField(required=False, max_length=500, help_text="Paths starting with this prefix.")
    apiKeyId = serializers.UUIDField(required=False, error_messages={"invalid": "apiKeyId must be a UUID."})
    requestId = serializers.CharField(required=False, max_length=64)
    minDurationMs = serializers.FloatField(
        required=False, min_value=0, error_messages={"invalid": "minDurationMs must be a number."}
    )


# --- response shapes -------------------------------------------------------------------

_LOG_FIELDS = [
    "id",
    "product_id",
    "integration_type",
    "operation",
    "status",
    "message",
    "error_details",
    "external_product_id",
    "external_sku",
    "metadata",
    "timestamp",
    "user_id",
]


class IntegrationLogSerializer(ModelSerializer):
    """The IntegrationLog of source API 000's data model."""

    class Meta:
        model = IntegrationLog
        fields = _LOG_FIELDS


class ProductLogSerializer(ModelSerializer):
    """A log in product/{productId}: the product id is the response's, not repeated per log."""

    class Meta:
        model = IntegrationLog
        fields = [f for f in _LOG_FIELDS if f != "product_id"]


class ExternalLogSerializer(ModelSerializer):
    """A log in external/{type}/{id}: the platform and external id are the response's."""

    class Meta:
        model = IntegrationLog
        fields = [f for f in _LOG_FIELDS if f not in ("integration_type", "external_product_id")]


class LogListResponse(serializers.Serializer):
    logs = IntegrationLogSerializer(many=True)
    pagination = PaginationSerializer()


class ProductLogsResponse(serializers.Serializer):
    product_id = serializers.IntegerField()
    logs = ProductLogSerializer(many=True)
    total = serializers.IntegerField()


class ExternalLogsResponse(serializers.Serializer):
    external_id = serializers.CharField()
    integration_type = serializers.CharField()
    internal_product_id = serializers.IntegerField(allow_null=True)
    logs = ExternalLogSerializer(many=True)


class StatsCounts(serializers.Serializer):
    total = serializers.IntegerField()
    success = serializers.IntegerField()
    error = serializers.IntegerField()


class StatsPeriod(serializers.Serializer):
    start_date = TimestampField()
    end_date = TimestampField()


class StatsSummary(serializers.Serializer):
    total_logs = serializers.IntegerField()
    success_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    pending_count = serializers.IntegerField()
    success_rate = serializers.FloatField()


class StatsResponse(serializers.Serializer):
    period = StatsPeriod()
    summary = StatsSummary()
    by_operation = serializers.DictField(child=StatsCounts())
    by_integration_type = serializers.DictField(child=StatsCounts())


class ErrorsResponse(serializers.Serializer):
    errors = IntegrationLogSerializer(many=True)
    total = serializers.IntegerField()


REQUEST_LOG_FIELDS = [
    "id",
    "request_id",
    "method",
    "path",
    "route",
    "status_code",
    "duration_ms",
    "ip_address",
    "user_agent",
    "api_key_id",
    "user_id",
    "timestamp",
]


class RequestLogSerializer(ModelSerializer):
    """One API request: never a body, never a header value other than the user agent."""

    class Meta:
        model = ApiRequestLog
        fields = REQUEST_LOG_FIELDS


class RequestLogListResponse(serializers.Serializer):
    requests = RequestLogSerializer(many=True)
    pagination = PaginationSerializer()


class MetricsQuery(serializers.Serializer):
    """GET /monitoring/metrics: a window ending now, in minutes (default the last hour)."""

    minutes = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=60 * 24 * 7,
        default=60,
        help_text="Length of the window ending now, 1 to 10080 minutes (default 60).",
    )


class MetricsRequests(serializers.Serializer):
    total = serializers.IntegerField()
    perMinute = serializers.FloatField()
    clientErrors = serializers.IntegerField()
    serverErrors = serializers.IntegerField()
    errorRate = serializers.FloatField(help_text="Share of 5xx answers, in percent.")


class MetricsLatency(serializers.Serializer):
    avg = serializers.FloatField(allow_null=True)
    p50 = serializers.FloatField(allow_null=True)
    p95 = serializers.FloatField(allow_null=True)
    p99 = serializers.FloatField(allow_null=True)


class MetricsEndpoint(serializers.Serializer):
    method = serializers.CharField()
    route = serializers.CharField()
    requests = serializers.IntegerField()
    serverErrors = serializers.IntegerField()
    avgMs = serializers.FloatField(allow_null=True)


class MetricsResponse(serializers.Serializer):
    period = StatsPeriod()
    requests = MetricsRequests()
    latencyMs = MetricsLatency()
    topEndpoints = MetricsEndpoint(many=True)
