"""A company's connections to outside platforms, and the inbound events they send us."""

import uuid

from django.db import models

from accounts.crypto import EncryptedJSONField
from integrations.providers import get_provider


class Integration(models.Model):
    """One connection: provider, plain config, encrypted credentials and the last health check."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        INACTIVE = "inactive"

    class Health(models.TextChoices):
        UNKNOWN = "unknown"  # never checked
        HEALTHY = "healthy"  # the provider answered 2xx
        UNHEALTHY = "unhealthy"  # the provider answered, but not 2xx (e.g. credentials refused)
        ERROR = "error"  # no answer: DNS, refused address, timeout, connection error

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="integrations")
    name = models.CharField(max_length=120)
    # No choices: provider keys come from the registry (integrations/providers), validated by the
    # services and serializers, so adding a provider needs no migration.
    provider = models.CharField(max_length=32)
    # The provider's category (integrations.providers.base.CATEGORIES), copied from the registry; no
    # choices for the same reason as `provider`.
    category = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Non-secret settings (URLs, ids); the provider's secret fields live only in `credentials`.
    config = models.JSONField(default=dict, blank=True)
    credentials = EncryptedJSONField(default=dict, blank=True)
    health_status = models.CharField(max_length=16, choices=Health.choices, default=Health.UNKNOWN)
    last_check_at = models.DateTimeField(null=True, blank=True)
    last_check_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_check_error = models.TextField(blank=True, default="")
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="uniq_integration_company_name")]
        indexes = [models.Index(fields=["status", "last_check_at"], name="integration_status_check")]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"

    def values(self) -> dict:
        """Return config and decrypted credentials merged: what the provider module reads."""
        return {**(self.config or {}), **(self.credentials or {})}

    def provider_spec(self):
        """Return the provider module's declaration."""
        return get_provider(self.provider)

    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class InboundEvent(models.Model):
    """A verified delivery from a provider, stored once (raw bytes) and processed later."""

    class Status(models.TextChoices):
        RECEIVED = "received"
        PROCESSED = "processed"
        IGNORED = "ignored"  # no handler is registered for its provider and topic
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="inbound_events")
    provider = models.CharField(max_length=32)
    topic = models.CharField(max_length=200)
    provider_event_id = models.CharField(max_length=255)
    raw_body = models.BinaryField()
    content_type = models.CharField(max_length=120, blank=True, default="")
    headers = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "provider_event_id"], name="uniq_inbound_integration_event")
        ]
        indexes = [
            models.Index(fields=["company", "-received_at"], name="inbound_company_received"),
            models.Index(fields=["status", "-received_at"], name="inbound_status_received"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.topic} {self.provider_event_id}"

    def body_text(self) -> str:
        """Return the raw body as text for display (undecodable bytes replaced)."""
        return bytes(self.raw_body).decode("utf-8", errors="replace")
