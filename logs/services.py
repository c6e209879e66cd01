"""Recording integration logs: one or many rows, secrets redacted before storage.

Every app records its operations through these functions (never the model directly).
`log_record_many` writes a batch with one INSERT, for hot paths that produce several logs.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.utils import timezone

from logs.models import INTEGRATION_TYPES, IntegrationLog
from logs.redaction import redact


@dataclass
class LogEntry:
    """One log to record; the fields of seeds/000 plus company and integration."""

    company_id: UUID
    integration_type: str
    operation: str
    status: str
    message: str = ""
    product_id: int | None = None
    integration_id: UUID | None = None
    error_details: dict[str, Any] | None = None
    external_product_id: str = ""
    external_sku: str = ""
    metadata: dict[str, Any] | None = None
    user_id: int | None = None
    timestamp: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_model(self) -> IntegrationLog:
        if self.integration_type not in INTEGRATION_TYPES:
            raise ValueError(f"Unknown integration type {self.integration_type!r}")
        if self.operation not in IntegrationLog.Operation.values:
            raise ValueError(f"Unknown operation {self.operation!r}")
        if self.status not in IntegrationLog.Status.values:
            raise ValueError(f"Unknown status {self.status!r}")
        return IntegrationLog(
            company_id=self.company_id,
            integration_id=self.integration_id,
            product_id=self.product_id,
            integration_type=self.integration_type,
            operation=self.operation,
            status=self.status,
            message=self.message[:10_000],
            error_details=redact(self.error_details) if self.error_details is not None else None,
            external_product_id=str(self.external_product_id or "")[:255],
            external_sku=str(self.external_sku or "")[:255],
            metadata=redact(self.metadata) if self.metadata is not None else None,
            user_id=self.user_id,
            timestamp=self.timestamp or timezone.now(),
        )


def log_record(**fields: Any) -> IntegrationLog:
    """Record one integration log (keyword arguments are LogEntry's fields)."""
    log = LogEntry(**fields).to_model()
    log.save(force_insert=True)
    return log


def log_record_many(entries: list[LogEntry]) -> list[IntegrationLog]:
    """Record several logs with one INSERT."""
    return IntegrationLog.objects.bulk_create([entry.to_model() for entry in entries])
