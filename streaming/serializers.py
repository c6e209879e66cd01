"""API shapes of events, event types, Kafka sinks and sources, and the test event."""

import json
from typing import Any

from rest_framework import serializers

from config.api.fields import ModelSerializer, TimestampField
from streaming.models import Sink, Source
from webhooks.models import Event
from webhooks.services import event_body


class EventPublishSerializer(serializers.Serializer):
    event_type = serializers.CharField(max_length=64)
    data = serializers.JSONField(help_text="A JSON object satisfying the event type's schema")


class EventSerializer(ModelSerializer):
    event_type = serializers.CharField(source="type")
    payload = serializers.SerializerMethodField(help_text="The envelope webhooks and Kafka messages carry")

    class Meta:
        model = Event
        fields = ["id", "event_type", "data", "payload", "created_at"]
        read_only_fields = fields

    def get_payload(self, obj: Event) -> dict[str, Any]:
        return json.loads(event_body(obj))


class EventDetailSerializer(EventSerializer):
    deliveries = serializers.SerializerMethodField(help_text="Where the event went: webhooks and Kafka sinks")

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "deliveries"]
        read_only_fields = fields

    def get_deliveries(self, obj: Event) -> dict[str, Any]:
        return self.context["destinations"]


class EventTypeDefinitionSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    schema = serializers.JSONField(read_only=True)
    example = serializers.JSONField(read_only=True, allow_null=True)
    built_in = serializers.BooleanField(read_only=True)
    created_at = TimestampField(read_only=True, allow_null=True)
    updated_at = TimestampField(read_only=True, allow_null=True)


class EventTypeWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    schema = serializers.JSONField()
    example = serializers.JSONField(required=False, allow_null=True, default=None)


class EventTypeUpdateSerializer(EventTypeWriteSerializer):
    name = None  # the name is the URL's


_SINK_STATUS = Sink.Status.choices


class SinkSerializer(ModelSerializer):
    integration_id = serializers.UUIDField(read_only=True)
    lag = serializers.IntegerField(read_only=True, help_text="Events waiting for the broker's acknowledgement")

    class Meta:
        model = Sink
        fields = [
            "id",
            "integration_id",
            "events",
            "topic",
            "partition_key",
            "status",
            "lag",
            "delivered_count",
            "last_delivered_at",
            "last_error",
            "last_error_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SinkWriteSerializer(serializers.Serializer):
    integration_id = serializers.UUIDField()
    events = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=50)
    topic = serializers.CharField(max_length=249)
    partition_key = serializers.CharField(max_length=200, required=False, default="{subject}")
    status = serializers.ChoiceField(_SINK_STATUS, required=False, default="active")


class SinkUpdateSerializer(SinkWriteSerializer):
    integration_id = serializers.UUIDField(required=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, max_length=50, required=False
    )
    topic = serializers.CharField(max_length=249, required=False)
    partition_key = serializers.CharField(max_length=200, required=False)
    status = serializers.ChoiceField(_SINK_STATUS, required=False)


class ReplaySerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Send again every matching event published since this time")


class ReplayResultSerializer(serializers.Serializer):
    requeued = serializers.IntegerField()


class SourceSerializer(ModelSerializer):
    integration_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = Source
        fields = [
            "id",
            "integration_id",
            "topics",
            "group_id",
            "event_type",
            "status",
            "consumed_count",
            "skipped_count",
            "last_consumed_at",
            "last_error",
            "last_error_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PartitionSerializer(serializers.Serializer):
    topic = serializers.CharField()
    partition = serializers.IntegerField()
    committed_offset = serializers.IntegerField(allow_null=True)
    end_offset = serializers.IntegerField()
    lag = serializers.IntegerField()


class SourceDetailSerializer(SourceSerializer):
    partitions = serializers.SerializerMethodField()
    group_error = serializers.SerializerMethodField(help_text="Why the group's offsets could not be read, if so")

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "partitions", "group_error"]
        read_only_fields = fields

    def get_partitions(self, obj: Source) -> list[dict[str, Any]]:
        return self.context["group"]["partitions"]

    def get_group_error(self, obj: Source) -> str | None:
        return self.context["group"].get("error")


_SOURCE_STATUS = Sink.Status.choices  # sources and sinks share their two states


class SourceWriteSerializer(serializers.Serializer):
    integration_id = serializers.UUIDField()
    topics = serializers.ListField(child=serializers.CharField(max_length=249), min_length=1, max_length=20)
    group_id = serializers.CharField(max_length=200, required=False, default="")
    event_type = serializers.CharField(max_length=64)
    status = serializers.ChoiceField(_SOURCE_STATUS, required=False, default="active")


class SourceUpdateSerializer(SourceWriteSerializer):
    integration_id = serializers.UUIDField(required=False)
    topics = serializers.ListField(
        child=serializers.CharField(max_length=249), min_length=1, max_length=20, required=False
    )
    group_id = serializers.CharField(max_length=200, required=False)
    event_type = serializers.CharField(max_length=64, required=False)
    status = serializers.ChoiceField(_SOURCE_STATUS, required=False)


class TestEventSerializer(serializers.Serializer):
    integration_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    topic = serializers.CharField(max_length=249)
    event_type = serializers.CharField(max_length=64)
    data = serializers.JSONField()


class TestEventResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    topic = serializers.CharField()
    partition = serializers.IntegerField()
    offset = serializers.IntegerField()
    event_id = serializers.UUIDField()
    integration_id = serializers.UUIDField()
