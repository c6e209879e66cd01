"""The timestamp format of the wire: ISO 8601 UTC with milliseconds and a Z."""

from datetime import UTC, datetime

from rest_framework import serializers


def isoformat_ms(value: datetime | None) -> str | None:
    """Return `2025-11-06T10:30:00.000Z` for an aware datetime (None stays None)."""
    if value is None:
        return None
    v = value.astimezone(UTC)
    # Formatted by hand: strftime's %Y does not zero-pad years before 1000 on every platform.
    date = f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
    return f"{date}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond // 1000:03d}Z"


class TimestampField(serializers.DateTimeField):
    """A DateTimeField that renders with milliseconds in UTC."""

    def to_representation(self, value: datetime | None) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return value
        return isoformat_ms(value)


# The project's ModelSerializer: every DateTimeField renders in the wire format. A comment, not a
# docstring: drf-spectacular would give it as the description of every component schema built on it.
class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = dict(serializers.ModelSerializer.serializer_field_mapping)


from django.db import models  # noqa: E402

ModelSerializer.serializer_field_mapping[models.DateTimeField] = TimestampField
