"""Reads of the webhooks app: endpoints, deliveries with their attempts, delivery logs."""

import uuid
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from webhooks.models import Attempt, Delivery, Endpoint


def endpoint_list(*, company_id: uuid.UUID) -> QuerySet[Endpoint]:
    """Return the company's endpoints, newest first."""
    return Endpoint.objects.filter(company_id=company_id).order_by("-created_at")


def delivery_list(
    *,
    company_id: uuid.UUID,
    endpoint_id: uuid.UUID | None = None,
    status: str | None = None,
    event_type: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Delivery]:
    """Return the company's deliveries, filtered, newest first, with event and attempts loaded."""
    qs = Delivery.objects.filter(company_id=company_id)
    if endpoint_id is not None:
        qs = qs.filter(endpoint_id=endpoint_id)
    if status:
        qs = qs.filter(status=status)
    if event_type:
        qs = qs.filter(event_type=event_type)
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lte=end)
    return (
        qs.select_related("event")
        .prefetch_related(Prefetch("attempts", queryset=Attempt.objects.order_by("number")))
        .order_by("-created_at")
    )


def attempt_log_list(
    *,
    company_id: uuid.UUID,
    endpoint_id: uuid.UUID | None = None,
    success: bool | None = None,
    event_type: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Attempt]:
    """Return the company's delivery attempts as a log, newest first."""
    qs = Attempt.objects.filter(delivery__company_id=company_id)
    if endpoint_id is not None:
        qs = qs.filter(delivery__endpoint_id=endpoint_id)
    if success is not None:
        qs = qs.filter(success=success)
    if event_type:
        qs = qs.filter(delivery__event_type=event_type)
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lte=end)
    return qs.select_related("delivery", "delivery__endpoint").order_by("-created_at", "-id")
