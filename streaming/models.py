"""Event streaming: companies' own event types, Kafka sinks with their outbox, Kafka sources, API publications."""

import uuid

from django.db import models
from django.utils import timezone


class EventType(models.Model):
    """A company's own event type: a name outside the built-in groups, a JSON Schema for `data`, an example."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="event_types")
    name = models.CharField(max_length=64)
    description = models.TextField(blank=True, default="")
    schema = models.JSONField(default=dict, blank=True)
    example = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="uniq_stream_event_type_name")]

    def __str__(self) -> str:
        return self.name


class StreamStatus(models.TextChoices):
    """The state of a sink or a source: paused sinks keep their events in the outbox; paused sources stop reading."""

    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"


class Sink(models.Model):
    """A company's subscription of a Kafka integration to event patterns: where and under which key they go."""

    Status = StreamStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="event_sinks")
    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="event_sinks")
    events = models.JSONField(default=list, help_text="Event types or wildcards such as order.*")
    topic = models.CharField(max_length=249, help_text="Topic, or a template such as hub.{eventType}")
    partition_key = models.CharField(max_length=200, default="{subject}")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_count = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["company", "status"], name="stream_sink_company_status")]

    def __str__(self) -> str:
        return f"{self.topic} ({self.status})"


class SinkMessage(models.Model):
    """One event bound for one sink: the outbox row the relay produces, then marks with its partition and offset."""

    id = models.BigAutoField(primary_key=True)  # the relay sends in id order: per-key order is publish order
    sink = models.ForeignKey(Sink, on_delete=models.CASCADE, related_name="messages")
    event = models.ForeignKey("webhooks.Event", on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=249)
    key = models.CharField(max_length=200, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    partition = models.IntegerField(null=True, blank=True)
    offset = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(delivered_at__isnull=True), name="stream_sinkmsg_pending"),
            models.Index(
                fields=["sink", "id"], condition=models.Q(delivered_at__isnull=True), name="stream_sinkmsg_lag"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.key} ({'delivered' if self.delivered_at else 'pending'})"


class Source(models.Model):
    """A company's subscription to Kafka topics with a consumer group; consumed messages become events."""

    Status = StreamStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="event_sources")
    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="event_sources")
    topics = models.JSONField(default=list)
    group_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    consumed_count = models.BigIntegerField(default=0)
    skipped_count = models.BigIntegerField(default=0, help_text="Messages refused (not JSON, schema) and skipped")
    last_consumed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{','.join(self.topics)} → {self.event_type}"


class Publication(models.Model):
    """An event a partner published through the API, with the Idempotency-Key fingerprint of its request."""

    id = models.BigAutoField(primary_key=True)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    event = models.OneToOneField("webhooks.Event", on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="uniq_stream_publication_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key or 'no key'} → {self.event_id}"
