"""Writes of the webhooks app: publishing events (transactional outbox), endpoints, deliveries."""

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Company
from webhooks import catalog
from webhooks.models import Delivery, Endpoint, Event


def _company_id(company: Company | uuid.UUID | str) -> uuid.UUID:
    if isinstance(company, Company):
        return company.pk
    return company if isinstance(company, uuid.UUID) else uuid.UUID(str(company))


def deliveries_enqueue(delivery_ids: list[uuid.UUID], *, countdown: float = 0) -> None:
    """Hand deliveries to the Celery queue now (callers wrap this in transaction.on_commit)."""
    from webhooks.tasks import delivery_attempt_task

    for delivery_id in delivery_ids:
        delivery_attempt_task.apply_async(args=[str(delivery_id)], countdown=countdown or None)


@transaction.atomic
def event_publish(
    company: Company | uuid.UUID | str,
    event_type: str,
    data: dict[str, Any],
    *,
    idempotency_key: str | None = None,
) -> Event:
    """Store an event and one delivery per matching active endpoint, in the caller's transaction.

    Delivery is enqueued when the transaction commits (nothing is sent for a rolled-back
    change); the beat sweeper picks up any delivery whose broker message is lost. With an
    idempotency key, publishing the same key again for the company returns the first event
    and creates nothing.
    """
    if not catalog.is_known(event_type):
        raise ValueError(f"Unknown event type {event_type!r}; known types: {', '.join(catalog.EVENT_TYPES)}")
    if not isinstance(data, dict):
        raise ValueError("Event data must be a JSON object (dict)")
    company_id = _company_id(company)
    if idempotency_key:
        existing = Event.objects.filter(company_id=company_id, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():  # a savepoint: a concurrent duplicate key must not break the caller's transaction
            event = Event.objects.create(
                company_id=company_id, type=event_type, data=data, idempotency_key=idempotency_key or None
            )
    except IntegrityError:
        return Event.objects.get(company_id=company_id, idempotency_key=idempotency_key)

    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(company_id=company_id, status=Endpoint.Status.ACTIVE).only(
            "id", "events"
        )
        if catalog.subscription_matches(endpoint.events, event_type)
    ]
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                company_id=company_id,
                endpoint_id=endpoint.id,
                event=event,
                event_type=event_type,
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint in endpoints
        ]
    )
    if deliveries:
        ids = [d.id for d in deliveries]
        transaction.on_commit(lambda: deliveries_enqueue(ids))
    return event


def delivery_attempt(*, delivery_id: uuid.UUID | str) -> None:
    """Claim a due delivery and send it once (the sending half lands in the next commit)."""
    raise NotImplementedError("delivery sending is being built on branch webhooks")
