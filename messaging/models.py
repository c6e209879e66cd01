"""Messages (email, SMS, chat), their provider attempts, templates and per-company provider routing."""

import uuid

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"
    CHAT = "chat"


class Priority(models.TextChoices):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class MessageTemplate(models.Model):
    """A company's named template for one channel; subject and bodies use Django template syntax."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="message_templates")
    name = models.SlugField(max_length=100)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    description = models.CharField(max_length=255, blank=True, default="")
    subject = models.CharField(max_length=500, blank=True, default="")
    body_text = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    # Shown by the admin preview and usable as documentation of the variables the template reads.
    sample_context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name", "channel"], name="uniq_message_template_name_channel")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel})"


class Message(models.Model):
    """One message to one or more recipients of a channel, and where it stands."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        DELIVERED = "delivered"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipients = models.JSONField(default=list)  # E.164 phones, email addresses, or one chat channel
    subject = models.CharField(max_length=998, blank=True, default="")  # RFC 5322's line limit
    body_text = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    template = models.ForeignKey(MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template_name = models.CharField(max_length=100, blank=True, default="")
    context = models.JSONField(default=dict, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    source = models.CharField(max_length=16, default="api")  # api, test, admin, service
    # The provider that finally sent it (or last tried, when it failed).
    provider = models.CharField(max_length=32, blank=True, default="")
    integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider_message_id = models.CharField(max_length=255, blank=True, default="")
    error = models.TextField(blank=True, default="")
    bulk_job = models.ForeignKey(
        "messaging.BulkJob", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    # Cross-channel fallback: the recipient's address per channel ({"email": …, "sms": …}), the channels
    # still to try when this one fails, and the hop this message falls back from.
    contact = models.JSONField(default=dict, blank=True)
    fallback_channels = models.JSONField(default=list, blank=True)
    fallback_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallbacks")
    # When the message was counted against its company's per-channel limit (once per message).
    admitted_at = models.DateTimeField(null=True, blank=True)
    send_runs = models.PositiveSmallIntegerField(default=0)  # passes through the provider chain
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")  # core.idempotency's convention
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_by = models.CharField(max_length=64, blank=True, default="")  # "api_key:<id>" or "user:<id>"
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="uniq_message_company_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="message_company_created"),
            models.Index(fields=["provider", "provider_message_id"], name="message_provider_id"),
            models.Index(fields=["status", "next_attempt_at"], name="message_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {', '.join(self.recipients)} ({self.status})"

    def is_final(self) -> bool:
        """Return True when no provider callback may change the status any more."""
        return self.status in (self.Status.DELIVERED, self.Status.FAILED)

    def is_urgent(self) -> bool:
        """Return True when the message goes through the higher-priority queue."""
        return self.priority in (Priority.URGENT, Priority.HIGH)


class MessageAttempt(models.Model):
    """One try of one provider for a message: outcome, provider id or error, and how long it took."""

    class Outcome(models.TextChoices):
        SENT = "sent"
        RETRYABLE = "retryable_error"  # timeout, connection error, 5xx, 408, 429: the next provider is tried
        PROVIDER = "provider_error"  # the provider refused us (credentials, configuration): the next is tried
        REJECTED = "rejected"  # the provider refused the message itself (bad number, 4xx): no failover

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempts")
    run = models.PositiveSmallIntegerField(default=1)
    provider = models.CharField(max_length=32)
    integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    integration_name = models.CharField(max_length=120, blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    provider_message_id = models.CharField(max_length=255, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    attempted_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.outcome}"


class MessagingRoute(models.Model):
    """Where a company's messages of a channel go, in priority order (lowest number first)."""

    id = models.BigAutoField(primary_key=True)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="messaging_routes")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company", "channel", "priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "integration"], name="uniq_messaging_route_integration")
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.priority}: {self.integration_id}"


class BulkJob(models.Model):
    """One bulk send: a message per recipient, rendered with that recipient's data; counts come from them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="message_bulk_jobs")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    template_name = models.CharField(max_length=100, blank=True, default="")
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    total = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_by = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="uniq_bulkjob_company_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"bulk {self.channel} x{self.total}"


class MessagingSettings(models.Model):
    """A company's messaging preferences: default phone region and its per-channel limits (None: the defaults)."""

    company = models.OneToOneField("accounts.Company", on_delete=models.CASCADE, related_name="messaging_settings")
    default_region = models.CharField(max_length=2, blank=True, default="")  # ISO 3166 alpha-2, e.g. "AE"
    email_per_minute = models.PositiveIntegerField(null=True, blank=True)
    sms_per_minute = models.PositiveIntegerField(null=True, blank=True)
    chat_per_minute = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company"]
        verbose_name_plural = "messaging settings"

    def __str__(self) -> str:
        return f"messaging settings of {self.company_id}"


class SandboxMessage(models.Model):
    """What the sandbox provider would have sent: the outbox operators read in the admin."""

    id = models.BigAutoField(primary_key=True)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message_id = models.UUIDField(null=True, blank=True)  # the hub message it belongs to
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=255, blank=True, default="")
    subject = models.CharField(max_length=998, blank=True, default="")
    body_text = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "sandbox outbox message"
        verbose_name_plural = "sandbox outbox"

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}"
