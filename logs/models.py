"""Integration logs (the source API 000 data model), API request logs and retention runs."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


def integration_types() -> tuple[str, ...]:
    """Return the allowed `integrationType` values: every provider of the registry, in listing order."""
    from integrations.providers import provider_keys  # the registry, not a domain app

    return provider_keys()


def __getattr__(name: str) -> tuple[str, ...]:
    # INTEGRATION_TYPES stays importable (serializers, the OpenAPI enum in settings) but is
    # derived from the provider registry on access, so adding a provider edits no list here.
    if name == "INTEGRATION_TYPES":
        return integration_types()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class IntegrationLog(models.Model):
    """One integration operation: an export, import, update, delete, webhook or sync.

    Rows are immutable and high-volume, so `timestamp` is their only time column (no
    created_at/updated_at: nothing ever updates a log, and two more columns cost ~16 bytes
    a row at 10M rows).
    """

    class Operation(models.TextChoices):
        EXPORT = "export"
        IMPORT = "import"
        UPDATE = "update"
        DELETE = "delete"
        WEBHOOK = "webhook"
        SYNC = "sync"
        CREATE = "create"  # a record made in the hub itself (an integration), not sent anywhere

    class Status(models.TextChoices):
        SUCCESS = "success"
        ERROR = "error"
        PENDING = "pending"

    id = models.BigAutoField(primary_key=True)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+", db_index=False)
    # A plain id, not a foreign key: logs outlive integrations and must not depend on that app.
    integration_id = models.UUIDField(null=True, blank=True)
    product_id = models.BigIntegerField(null=True, blank=True)
    # No choices: the values come from the provider registry (logs.services validates them), so a
    # new provider needs no migration.
    integration_type = models.CharField(max_length=32)
    operation = models.CharField(max_length=16, choices=Operation.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    message = models.TextField(blank=True, default="")
    error_details = models.JSONField(null=True, blank=True)
    external_product_id = models.CharField(max_length=255, blank=True, default="")
    external_sku = models.CharField(max_length=255, blank=True, default="")
    metadata = models.JSONField(null=True, blank=True)
    timestamp = models.DateTimeField(default=timezone.now)
    user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        # Each index serves one endpoint of source API 000 (measured at 10M rows: docs/logs.md). The
        # trailing id matches the (timestamp, id) sort, so a page's ids come from the index alone.
        indexes = [
            # list (company only) and stats: the included columns make stats an index-only scan.
            models.Index(
                fields=["company", "-timestamp", "-id"],
                include=["status", "operation", "integration_type"],
                name="ilog_company_ts",
            ),
            # list filtered by status and integration type, sorted by time.
            models.Index(
                fields=["company", "status", "integration_type", "-timestamp", "-id"], name="ilog_company_st_type_ts"
            ),
            # product/{productId}, and the list sorted by productId.
            models.Index(fields=["company", "product_id", "-timestamp", "-id"], name="ilog_company_product_ts"),
            # external/{integrationType}/{externalId}.
            models.Index(fields=["company", "integration_type", "external_product_id"], name="ilog_company_ext"),
            # errors: a small partial index (errors are a few percent of the rows).
            models.Index(
                fields=["company", "-timestamp", "-id"], condition=Q(status="error"), name="ilog_company_err_ts"
            ),
            # retention batches (oldest first) and the admin's unfiltered newest-first list.
            models.Index(fields=["timestamp", "id"], name="ilog_ts_id"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.integration_type} {self.operation} {self.status}"


class ApiRequestLog(models.Model):
    """One /api/ request: who, what, how it ended and how long it took (never a body).

    Written in batches by logs.requestlog's buffer. `company_id` and `api_key_id` are plain
    columns, not foreign keys: a batch insert must not fail because a key or company was
    deleted meanwhile, and unauthenticated requests have no company.
    """

    id = models.BigAutoField(primary_key=True)
    company_id = models.UUIDField(null=True, blank=True)
    api_key_id = models.UUIDField(null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    # The URL pattern (e.g. "api/v1/orders/<uuid:pk>"), so operators can group by endpoint.
    route = models.CharField(max_length=200, blank=True, default="")
    status_code = models.PositiveSmallIntegerField()
    duration_ms = models.FloatField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-timestamp", "-id"]
        verbose_name = "API request log"
        indexes = [
            models.Index(fields=["company_id", "-timestamp"], name="rlog_company_ts"),
            models.Index(fields=["company_id", "request_id"], name="rlog_company_reqid"),
            models.Index(fields=["timestamp", "id"], name="rlog_ts_id"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"


class RetentionRun(models.Model):
    """One run of the retention job: when, up to which cutoff, and what it archived and removed."""

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        PARTIAL = "partial"  # stopped at its deadline; a follow-up run continues
        FAILED = "failed"

    id = models.BigAutoField(primary_key=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    retention_days = models.PositiveIntegerField()
    cutoff = models.DateTimeField(help_text="Rows older than this were removed.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    integration_logs_deleted = models.BigIntegerField(default=0)
    request_logs_deleted = models.BigIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    archive_files = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    def duration_seconds(self) -> float | None:
        """Return how long the run took (None while it runs)."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
