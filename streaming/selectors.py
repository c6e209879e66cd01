"""Reads of event streaming: events with where they went, event types (built-in and custom), sinks, sources."""

import uuid
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from core.errors import NotFound
from streaming import schemas
from streaming.models import EventType, Sink, SinkMessage, Source
from webhooks import catalog
from webhooks.models import Delivery, Event


def event_list(
    *, company_id: uuid.UUID, event_type: str | None = None, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[Event]:
    """Return the company's events, newest first."""
    qs = Event.objects.filter(company_id=company_id)
    if event_type:
        qs = qs.filter(type=event_type)
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lte=end)
    return qs.order_by("-created_at", "-id")


def event_get(*, company_id: uuid.UUID, event_id: str) -> Event:
    try:
        return Event.objects.get(company_id=company_id, id=event_id)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise NotFound("Event not found.") from None


def event_destinations(*, event: Event) -> dict[str, list[dict[str, Any]]]:
    """Return where an event went: each webhook delivery and each Kafka sink message with its state."""
    webhooks = [
        {
            "endpointId": d.endpoint_id,
            "status": d.status,
            "attempts": d.attempt_count,
            "lastStatusCode": d.last_status_code,
            "deliveredAt": d.delivered_at,
        }
        for d in Delivery.objects.filter(event=event).order_by("created_at")
    ]
    sinks = [
        {
            "sinkId": m.sink_id,
            "topic": m.topic,
            "key": m.key,
            "status": "delivered" if m.delivered_at else "pending",
            "partition": m.partition,
            "offset": m.offset,
            "deliveredAt": m.delivered_at,
        }
        for m in SinkMessage.objects.filter(event=event).order_by("id")
    ]
    return {"webhooks": webhooks, "sinks": sinks}


def event_type_list(*, company_id: uuid.UUID) -> list[dict[str, Any]]:
    """Return the built-in catalog (with schemas) followed by the company's own types."""
    builtin = [
        {
            "name": t.name,
            "description": t.description,
            "schema": schemas.builtin_schema(t.name),
            "example": t.example,
            "built_in": True,
            "created_at": None,
            "updated_at": None,
        }
        for t in catalog.CATALOG.values()
    ]
    return builtin + [event_type_row(t) for t in EventType.objects.filter(company_id=company_id).order_by("name")]


def event_type_row(t: EventType) -> dict[str, Any]:
    return {
        "name": t.name,
        "description": t.description,
        "schema": t.schema,
        "example": t.example,
        "built_in": False,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    }


def event_type_get(*, company_id: uuid.UUID, name: str) -> dict[str, Any]:
    """Return one type (built-in or the company's) as listed; NotFound otherwise."""
    if name in catalog.CATALOG:
        return next(row for row in event_type_list(company_id=company_id) if row["name"] == name)
    return event_type_row(custom_type_get(company_id=company_id, name=name))


def custom_type_get(*, company_id: uuid.UUID, name: str) -> EventType:
    found = EventType.objects.filter(company_id=company_id, name=name).first()
    if found is None:
        raise NotFound("Event type not found.")
    return found


def sink_list(*, company_id: uuid.UUID) -> QuerySet[Sink]:
    """Return the company's sinks with their lag (outbox rows not yet acknowledged), newest first."""
    return (
        Sink.objects.filter(company_id=company_id)
        .annotate(lag=Count("messages", filter=Q(messages__delivered_at__isnull=True)))
        .order_by("-created_at")
    )


def sink_get(*, company_id: uuid.UUID, sink_id: str) -> Sink:
    try:
        return sink_list(company_id=company_id).get(id=sink_id)
    except (Sink.DoesNotExist, ValueError, TypeError):
        raise NotFound("Event sink not found.") from None


def source_list(*, company_id: uuid.UUID) -> QuerySet[Source]:
    return Source.objects.filter(company_id=company_id).select_related("integration").order_by("-created_at")


def source_get(*, company_id: uuid.UUID, source_id: str) -> Source:
    try:
        return source_list(company_id=company_id).get(id=source_id)
    except (Source.DoesNotExist, ValueError, TypeError):
        raise NotFound("Event source not found.") from None
