"""Payments taken through a company's gateway integrations, and their refunds."""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q


def __getattr__(name: str) -> tuple[str, ...]:
    # GATEWAYS stays importable (serializers, selectors, the OpenAPI enum) but is derived from
    # the provider registry: the providers whose gateway module PaymentsConfig.ready attached.
    if name == "GATEWAYS":
        from payments.gateways import gateway_keys

        return gateway_keys()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class GatewayOutcome(models.Model):
    """What the gateway said about a payment or refund, and when."""

    gateway_status = models.CharField(max_length=64, blank=True, default="")  # the gateway's own word
    failure_code = models.CharField(max_length=120, blank=True, default="")
    failure_message = models.TextField(blank=True, default="")
    # The gateway's last answer, secrets redacted; shown read-only to operators.
    gateway_response = models.JSONField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # settled: succeeded or failed
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Payment(GatewayOutcome):
    """One charge attempt with one gateway; amounts are Decimal in the currency's major unit."""

    class Status(models.TextChoices):
        PENDING = "pending"  # created, or the gateway's answer is not known yet (timeout, async capture)
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        REFUNDED = "refunded"
        PARTIALLY_REFUNDED = "partially_refunded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="payments")
    # A deleted integration keeps its payments (money moved); they just lose the link.
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    # No choices: gateways come from the provider registry (validated by the serializers), so a
    # new gateway needs no migration.
    gateway = models.CharField(max_length=32)
    amount = models.DecimalField(max_digits=14, decimal_places=3)
    currency = models.CharField(max_length=3)
    amount_refunded = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PENDING)
    gateway_transaction_id = models.CharField(max_length=255, blank=True, default="")
    customer_id = models.CharField(max_length=255, blank=True, default="")
    payment_method_id = models.CharField(max_length=255, blank=True, default="")
    description = models.CharField(max_length=1000, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    order_id = models.UUIDField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    is_test = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="uniq_payment_company_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="payment_company_created"),
            models.Index(fields=["company", "gateway", "gateway_transaction_id"], name="payment_gateway_txn"),
            models.Index(fields=["company", "status"], name="payment_company_status"),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.amount} {self.currency} ({self.status})"

    def refundable(self) -> bool:
        """Return whether the payment has captured money that refunds may return."""
        return self.status in (self.Status.SUCCEEDED, self.Status.PARTIALLY_REFUNDED)


class Refund(GatewayOutcome):
    """Money returned on a payment, in full or in part."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=3)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=255, blank=True, default="")
    gateway_refund_id = models.CharField(max_length=255, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    source = models.CharField(max_length=16, default="api")  # "api" or "webhook" (made in the gateway's dashboard)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "gateway_refund_id"],
                condition=~Q(gateway_refund_id=""),
                name="uniq_refund_payment_gateway_id",
            ),
            models.UniqueConstraint(
                fields=["company", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="uniq_refund_company_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency} ({self.status})"
