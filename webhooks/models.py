"""Outbound webhooks: subscriber endpoints, published events, deliveries and their attempts."""

import uuid
from datetime import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from accounts.crypto import EncryptedJSONField, EncryptedTextField


class Endpoint(models.Model):
    """A company's subscriber URL, the event types it wants, and its signing secret."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive (disabled by a person)"
        FAILED = "failed", "Failed (disabled automatically)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="webhook_endpoints")
    name = models.CharField(max_length=120)
    url = models.URLField(max_length=2000)
    description = models.TextField(blank=True, default="")
    events = models.JSONField(default=list, help_text="Event types or wildcards such as order.*")
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(null=True, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    disabled_reason = models.CharField(max_length=500, blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)
    max_retries = models.PositiveSmallIntegerField(default=7)
    # Custom headers often carry a subscriber's token (Authorization): encrypted like the secret.
    headers = EncryptedJSONField(default=dict, blank=True)
    rate_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Deliveries per second (empty: none)")
    metadata = models.JSONField(default=dict, blank=True)
    failure_count = models.PositiveIntegerField(default=0, help_text="Consecutive failed attempts")
    failing_since = models.DateTimeField(null=True, blank=True)
    last_triggered_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "webhook endpoint"
        indexes = [models.Index(fields=["company", "status"], name="wh_endpoint_company_status")]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def is_active(self) -> bool:
        """Return True when deliveries to this endpoint should be sent."""
        return self.status == self.Status.ACTIVE

    def signing_secrets(self, now: datetime | None = None) -> list[str]:
        """Return the secrets that sign a message now: the current one, and the previous during its grace."""
        secrets = [self.secret]
        now = now or timezone.now()
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class Event(models.Model):
    """One published event: its type and data, stored once and delivered to every matching endpoint."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="webhook_events")
    type = models.CharField(max_length=64, db_index=True)
    data = models.JSONField(encoder=DjangoJSONEncoder)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="uniq_wh_event_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"

    @property
    def message_id(self) -> str:
        """Return the Standard Webhooks message id (the webhook-id header receivers dedupe by)."""
        return f"msg_{self.id.hex}"


class Delivery(models.Model):
    """One event to one endpoint: its state, the next attempt time and the claim of the worker sending it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"

    OPEN_STATUSES = (Status.PENDING, Status.RETRYING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker claims a delivery by setting a token and a lease; an expired lease means it died mid-send.
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # When a broker message for the delivery became due; the sweeper re-enqueues only long-silent ones.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="uniq_wh_delivery_endpoint_event")]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="wh_delivery_endpoint_created"),
            models.Index(fields=["company", "-created_at"], name="wh_delivery_company_created"),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "retrying"]),
                name="wh_delivery_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"

    def is_open(self) -> bool:
        """Return True while the delivery may still be attempted."""
        return self.status in self.OPEN_STATUSES


class Attempt(models.Model):
    """One HTTP attempt of a delivery, as operators see it: when, what came back, how long it took."""

    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    success = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="uniq_wh_attempt_number")]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error[:40]}"
