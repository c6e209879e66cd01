"""Reads of the integrations app, always scoped to one company."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from integrations.models import Integration
from logs.models import IntegrationLog


def integration_list(*, company_id: UUID) -> QuerySet[Integration]:
    return Integration.objects.filter(company_id=company_id)


def integration_logs(*, company_id: UUID, integration_id: UUID) -> QuerySet[IntegrationLog]:
    """Return an integration's logs, newest first (the action's FilterSet narrows them)."""
    return IntegrationLog.objects.filter(company_id=company_id, integration_id=integration_id).order_by(
        "-timestamp", "-id"
    )


def integrations_status(*, company_id: UUID) -> dict[str, Any]:
    """Return counts per health and each integration's last check (source API 003 and 004's status)."""
    rows = list(integration_list(company_id=company_id))
    counts = {h: 0 for h in Integration.Health.values}
    for row in rows:
        counts[row.health_status] += 1
    return {"total": len(rows), **counts, "integrations": rows}


def integrations_due_for_check() -> QuerySet[Integration]:
    """Active integrations, the longest unchecked first."""
    return Integration.objects.filter(status=Integration.Status.ACTIVE).order_by("last_check_at", "id")
