"""Integration logs (the seeds/000 data model), kept per company."""

from django.db import models
from django.utils import timezone

INTEGRATION_TYPES: tuple[str, ...] = (
    "woocommerce",
    "shopify",
    "amazon",
    "stripe",
    "paypal",
    "square",
    "authorizenet",
    "razorpay",
    "twilio",
    "sendgrid",
    "smtp",
    "slack",
    "ubereats",
    "deliveroo",
    "careem",
    "talabat",
    "generic",
)


class IntegrationLog(models.Model):
    """One integration operation: an export, import, update, delete, webhook or sync."""

    class Operation(models.TextChoices):
        EXPORT = "export"
        IMPORT = "import"
        UPDATE = "update"
        DELETE = "delete"
        WEBHOOK = "webhook"
        SYNC = "sync"

    class Status(models.TextChoices):
        SUCCESS = "success"
        ERROR = "error"
        PENDING = "pending"

    id = models.BigAutoField(primary_key=True)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+", db_index=False)
    # A plain id, not a foreign key: logs outlive integrations and must not depend on that app.
    integration_id = models.UUIDField(null=True, blank=True)
    product_id = models.BigIntegerField(null=True, blank=True)
    integration_type = models.CharField(max_length=32, choices=[(t, t) for t in INTEGRATION_TYPES])
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
        indexes = [
            models.Index(fields=["company", "-timestamp"], name="ilog_company_ts"),
            models.Index(
                fields=["company", "status", "integration_type", "-timestamp"], name="ilog_company_st_type_ts"
            ),
            models.Index(fields=["company", "product_id", "-timestamp"], name="ilog_company_product_ts"),
            models.Index(fields=["company", "integration_type", "external_product_id"], name="ilog_company_ext"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.integration_type} {self.operation} {self.status}"
