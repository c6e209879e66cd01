"""Input and output shapes of the sync endpoints (camelCase on the wire, snake_case here)."""

from typing import Any

from django.conf import settings
from rest_framework import serializers

from config.api.fields import ModelSerializer
from orders.serializers import choice_field
from sync.models import SyncRun


class SyncOptionsSerializer(serializers.Serializer):
    batch_size = serializers.IntegerField(
        required=False, min_value=1, max_value=settings.SYNC_MAX_BATCH_SIZE, help_text="Records per provider page."
    )
    force = serializers.BooleanField(required=False, default=False, help_text="Compare every record, not only changes.")
    conflict_resolution = choice_field(SyncRun.ConflictStrategy.choices, name="conflictResolution", required=False)


class SyncStartSerializer(serializers.Serializer):
    """Source API 003's POST .../woocommerce/sync body."""

    sync_type = choice_field(SyncRun.SyncType.choices, name="syncType")
    direction = choice_field(SyncRun.Direction.choices, name="direction", required=False, default="pull")
    options = SyncOptionsSerializer(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({name: "Unknown field." for name in sorted(unknown)})
        return attrs


class SyncRunSerializer(ModelSerializer):
    integration_id = serializers.UUIDField()
    counts = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "integration_id",
            "provider",
            "sync_type",
            "direction",
            "conflict_strategy",
            "batch_size",
            "force",
            "status",
            "counts",
            "started_at",
            "finished_at",
            "duration_ms",
            "error",
            "triggered_by",
            "triggered_by_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SyncStatsSerializer(serializers.Serializer):
    total_syncs = serializers.IntegerField()
    successful_syncs = serializers.IntegerField()
    failed_syncs = serializers.IntegerField()
    last_sync_duration = serializers.IntegerField(allow_null=True, help_text="Milliseconds")
    avg_sync_duration = serializers.IntegerField(allow_null=True, help_text="Milliseconds")


class SyncStateSerializer(serializers.Serializer):
    is_running = serializers.BooleanField()
    active_syncs = serializers.IntegerField()
    last_full_sync = serializers.DateTimeField(allow_null=True)
    current_sync = SyncRunSerializer(allow_null=True)


class SyncConfigSerializer(serializers.Serializer):
    # The renderer leaves the inside of a "config" object as it is, so these names are camelCase already.
    realTimeEnabled = serializers.BooleanField(help_text="The integration has a webhook secret: changes arrive live.")
    batchSize = serializers.IntegerField()
    conflictResolution = serializers.CharField()
    syncIntervalMinutes = serializers.IntegerField(allow_null=True)


class SyncStatusSerializer(serializers.Serializer):
    """Source API 003's GET .../woocommerce/status data."""

    integration_id = serializers.UUIDField()
    provider = serializers.CharField()
    stats = SyncStatsSerializer()
    sync_state = SyncStateSerializer()
    config = SyncConfigSerializer()
    last_sync = SyncRunSerializer(allow_null=True)
