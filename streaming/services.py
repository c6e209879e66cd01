"""Writes of event streaming: custom event types, partner publishing, sinks and their outbox, sources."""

import hashlib
import json
import re
import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import idempotency
from core.errors import InvalidInput, UpstreamError
from integrations.models import Integration
from streaming import kafka, schemas
from streaming.models import EventType, Publication, Sink, SinkMessage, Source
from webhooks import catalog
from webhooks.models import Event
from webhooks.services import event_body, event_publish

# Kafka topic names: letters, digits, ".", "_", "-" (at most 249).
TOPIC_RE = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")
_PLACEHOLDERS = frozenset({"eventType", "eventId", "companyId", "subject"})
# The data field naming what an event is about, by precedence: one order's events share a key.
SUBJECT_FIELDS = ("orderId", "paymentId", "messageId", "syncId", "integrationId", "id")


# --- event types -------------------------------------------------------------------------


def custom_type_exists(company_id: uuid.UUID, name: str) -> bool:
    """Return True when the company defined an event type of this name (the catalog's custom lookup)."""
    return EventType.objects.filter(company_id=company_id, name=name).exists()


def type_schema(*, company_id: uuid.UUID, event_type: str) -> dict[str, Any]:
    """Return the JSON Schema of a built-in or company type's data; InvalidInput (on eventType) when unknown."""
    if event_type in catalog.CATALOG:
        return schemas.builtin_schema(event_type)
    found = EventType.objects.filter(company_id=company_id, name=event_type).only("schema").first()
    if found is None:
        raise InvalidInput(
            details={
                "eventType": f"Unknown event type {event_type!r}; see GET /api/v1/event-types for the allowed ones."
            }
        )
    return found.schema or {}


def event_data_validate(*, company_id: uuid.UUID, event_type: str, data: Any) -> None:
    """Raise InvalidInput unless the type is known to the company and `data` satisfies its schema."""
    if not isinstance(data, dict):
        raise InvalidInput(details={"data": "Event data must be a JSON object."})
    schemas.data_validate(type_schema(company_id=company_id, event_type=event_type), data)


def _type_fields_check(*, schema: Any, example: Any) -> None:
    schemas.schema_check(schema)
    if example is not None:
        try:
            schemas.data_validate(schema, example)
        except InvalidInput as exc:
            raise InvalidInput(details={"example": f"The example does not satisfy the schema: {exc.message}"}) from None


@transaction.atomic
def event_type_create(
    *, company_id: uuid.UUID, name: str, description: str = "", schema: dict, example: Any = None
) -> EventType:
    """Define a company event type; its name must be well-formed, outside the built-in groups, and new."""
    if not catalog.CUSTOM_NAME_RE.match(name) or name.split(".", 1)[0] in catalog.GROUPS:
        raise InvalidInput(
            details={
                "name": "Use lowercase dot-separated words such as inventory.stock.updated, outside the built-in "
                f"groups ({', '.join(catalog.GROUPS)})."
            }
        )
    _type_fields_check(schema=schema, example=example)
    try:
        with transaction.atomic():
            return EventType.objects.create(
                company_id=company_id, name=name, description=description, schema=schema, example=example
            )
    except IntegrityError:
        raise InvalidInput(details={"name": f"The event type {name!r} already exists."}) from None


@transaction.atomic
def event_type_update(*, event_type: EventType, description: str = "", schema: dict, example: Any = None) -> EventType:
    """Replace a company type's description, schema and example (PUT semantics)."""
    _type_fields_check(schema=schema, example=example)
    event_type.description, event_type.schema, event_type.example = description, schema, example
    event_type.save()
    return event_type


def event_type_delete(*, event_type: EventType) -> None:
    """Delete a company type; events already published keep their type name."""
    event_type.delete()


# --- partner publishing ----------------------------------------------------------------


@transaction.atomic
def event_publish_api(
    *, company_id: uuid.UUID, event_type: str, data: Any, idem: idempotency.IdempotencyKey
) -> tuple[Event, bool]:
    """Validate and publish a partner's event through the pipeline; return (event, created).

    A repeat with the same Idempotency-Key and body returns the first event; the same key with
    another body is refused with 422 (core.idempotency).
    """
    publications = Publication.objects.filter(company_id=company_id).select_related("event")
    first = idempotency.replay(publications, idem, name="eventId")
    if first is not None:
        return first.event, False
    event_data_validate(company_id=company_id, event_type=event_type, data=data)
    try:
        with transaction.atomic():  # a concurrent twin's key wins; this savepoint drops our event with it
            event = event_publish(company_id, event_type, data)
            Publication.objects.create(company_id=company_id, event=event, **idem.stored())
    except IntegrityError:
        first = idempotency.replay(publications, idem, name="eventId")
        if first is None:
            raise
        return first.event, False
    return event, True


# --- sinks -------------------------------------------------------------------------------


def _kafka_integration(*, company_id: uuid.UUID, integration_id: uuid.UUID | str | None) -> Integration:
    kafka_integrations = Integration.objects.filter(company_id=company_id, provider="kafka")
    if integration_id is None:
        found = list(kafka_integrations.filter(status=Integration.Status.ACTIVE)[:2])
        if len(found) != 1:
            message = "No active Kafka integration." if not found else "Several Kafka integrations: name integrationId."
            raise InvalidInput(details={"integrationId": message})
        return found[0]
    try:
        return kafka_integrations.get(id=integration_id)
    except (Integration.DoesNotExist, ValueError):
        raise InvalidInput(details={"integrationId": "No Kafka integration of your company has this id."}) from None


def _template_check(field: str, template: str, *, topic: bool) -> None:
    for name in _PLACEHOLDER.findall(template):
        if name not in _PLACEHOLDERS and not (name.startswith("data.") and len(name) > 5):
            allowed = ", ".join(f"{{{p}}}" for p in sorted(_PLACEHOLDERS))
            raise InvalidInput(
                details={field: f"Unknown placeholder {{{name}}}; allowed: {allowed}, {{data.<field>}}."}
            )
    if topic and not TOPIC_RE.match(_PLACEHOLDER.sub("x", template)):
        raise InvalidInput(details={field: "A topic has letters, digits, '.', '_' and '-' only (at most 249)."})


def _events_check(*, company_id: uuid.UUID, events: list[str]) -> None:
    unknown = [
        e
        for e in events
        if not catalog.is_valid_subscription(e, company_id)
        and not (e.endswith(".*") and catalog.CUSTOM_NAME_RE.match(e[:-2] + ".x"))
    ]
    if unknown or not events:
        message = f"Unknown event types {unknown}." if unknown else "Subscribe to at least one event type."
        raise InvalidInput(details={"events": message + " See GET /api/v1/event-types."})


@transaction.atomic
def sink_create(
    *,
    company_id: uuid.UUID,
    integration_id: uuid.UUID | str,
    events: list[str],
    topic: str,
    partition_key: str = "{subject}",
    status: str = Sink.Status.ACTIVE,
) -> Sink:
    """Subscribe a Kafka integration to event patterns; matching events published from now on reach it."""
    integration = _kafka_integration(company_id=company_id, integration_id=integration_id)
    _events_check(company_id=company_id, events=events)
    _template_check("topic", topic, topic=True)
    _template_check("partitionKey", partition_key, topic=False)
    return Sink.objects.create(
        company_id=company_id,
        integration=integration,
        events=list(dict.fromkeys(events)),
        topic=topic,
        partition_key=partition_key,
        status=status,
    )


@transaction.atomic
def sink_update(*, sink: Sink, **changes: Any) -> Sink:
    """Change a sink; `status: paused` holds its events in the outbox, `active` sends them on."""
    if "integration_id" in changes:
        sink.integration = _kafka_integration(company_id=sink.company_id, integration_id=changes.pop("integration_id"))
    if "events" in changes:
        _events_check(company_id=sink.company_id, events=changes["events"])
        changes["events"] = list(dict.fromkeys(changes["events"]))
    if "topic" in changes:
        _template_check("topic", changes["topic"], topic=True)
    if "partition_key" in changes:
        _template_check("partitionKey", changes["partition_key"], topic=False)
    for field, value in changes.items():
        setattr(sink, field, value)
    sink.save()
    return sink


def sink_delete(*, sink: Sink) -> None:
    """Delete a sink and its outbox rows (undelivered events are not sent)."""
    sink.delete()


def _subject(event: Event) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    for name in SUBJECT_FIELDS:
        if data.get(name) not in (None, ""):
            return str(data[name])
    return str(event.id)


def render(template: str, event: Event) -> str:
    """Return a topic or key template filled from the event ({eventType}, {subject}, {data.orderId}, …)."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "eventType":
            return event.type
        if name == "eventId":
            return str(event.id)
        if name == "companyId":
            return str(event.company_id)
        if name == "subject":
            return _subject(event)
        found = event.data.get(name[5:]) if isinstance(event.data, dict) else None
        return "" if found is None else str(found)

    return _PLACEHOLDER.sub(value, template)


def _topic(template: str, event: Event) -> str:
    # A data value may carry characters a topic cannot: they become "_", so a template never breaks the relay.
    return re.sub(r"[^A-Za-z0-9._-]", "_", render(template, event))[:249] or "hub.events"


def _matching_sinks(company_id: uuid.UUID, event_type: str) -> list[Sink]:
    sinks = Sink.objects.filter(company_id=company_id).only("id", "events", "topic", "partition_key")
    return [s for s in sinks if catalog.subscription_matches(s.events, event_type)]


def sink_messages_write(event: Event) -> None:
    """Write one outbox row per matching sink, in the publisher's transaction (the pipeline's destination hook).

    Paused sinks get rows too: their events wait and go out, in order, when the sink resumes.
    """
    sinks = _matching_sinks(event.company_id, event.type)
    if sinks:
        SinkMessage.objects.bulk_create(
            [
                SinkMessage(
                    sink_id=sink.id,
                    event_id=event.id,
                    topic=_topic(sink.topic, event),
                    key=render(sink.partition_key, event)[:200],
                    created_at=event.created_at,
                )
                for sink in sinks
            ]
        )


@transaction.atomic
def sink_replay(*, sink: Sink, since: datetime) -> int:
    """Queue again, in publish order, every matching event of the company since `since`; return how many."""
    events = Event.objects.filter(company_id=sink.company_id, created_at__gte=since).order_by("created_at", "id")
    batch: list[SinkMessage] = []
    count = 0
    for event in events.iterator(chunk_size=2000):
        if not catalog.subscription_matches(sink.events, event.type):
            continue
        batch.append(
            SinkMessage(
                sink_id=sink.id,
                event_id=event.id,
                topic=_topic(sink.topic, event),
                key=render(sink.partition_key, event)[:200],
            )
        )
        if len(batch) >= 2000:
            count += len(SinkMessage.objects.bulk_create(batch))
            batch = []
    if batch:
        count += len(SinkMessage.objects.bulk_create(batch))
    return count


def message_headers(*, event_id: str, event_type: str, company_id: str) -> list[tuple[str, str]]:
    """Return the headers every hub message carries: event id, type and company."""
    return [("event-id", event_id), ("event-type", event_type), ("company-id", company_id)]


# --- the test event (source API 004) -----------------------------------------------------


def test_event_produce(
    *,
    company_id: uuid.UUID,
    integration_id: uuid.UUID | str | None,
    topic: str,
    event_type: str,
    data: Any,
) -> dict[str, Any]:
    """Produce one event to the company's Kafka integration now and return where the broker put it."""
    integration = _kafka_integration(company_id=company_id, integration_id=integration_id)
    if not TOPIC_RE.match(topic):
        raise InvalidInput(details={"topic": "A topic has letters, digits, '.', '_' and '-' only (at most 249)."})
    event_data_validate(company_id=company_id, event_type=event_type, data=data)
    event = Event(id=uuid.uuid4(), company_id=company_id, type=event_type, data=data, created_at=timezone.now())
    try:
        partition, offset = kafka.produce_one(
            integration,
            topic=topic,
            key=_subject(event),
            value=event_body(event),
            headers=message_headers(event_id=str(event.id), event_type=event.type, company_id=str(company_id)),
        )
    except kafka.StreamError as exc:
        raise UpstreamError(str(exc), details={"integrationId": str(integration.id)}) from None
    return {
        "success": True,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "event_id": str(event.id),
        "integration_id": str(integration.id),
    }


# --- sources -----------------------------------------------------------------------------


def _topics_check(topics: Any) -> list[str]:
    if not isinstance(topics, list) or not topics or len(topics) > 20:
        raise InvalidInput(details={"topics": "Give 1 to 20 topic names."})
    bad = [t for t in topics if not isinstance(t, str) or not TOPIC_RE.match(t)]
    if bad:
        raise InvalidInput(details={"topics": f"Not topic names: {bad}."})
    return list(dict.fromkeys(topics))


def _source_type_check(company_id: uuid.UUID, event_type: str) -> None:
    if not catalog.is_known(event_type, company_id):
        raise InvalidInput(details={"eventType": f"Unknown event type {event_type!r}; see GET /api/v1/event-types."})


@transaction.atomic
def source_create(
    *,
    company_id: uuid.UUID,
    integration_id: uuid.UUID | str,
    topics: list[str],
    event_type: str,
    group_id: str = "",
    status: str = Source.Status.ACTIVE,
) -> Source:
    """Subscribe to topics with a consumer group; the consumer process picks the source up within seconds."""
    integration = _kafka_integration(company_id=company_id, integration_id=integration_id)
    _source_type_check(company_id, event_type)
    source_id = uuid.uuid4()
    return Source.objects.create(
        id=source_id,
        company_id=company_id,
        integration=integration,
        topics=_topics_check(topics),
        group_id=group_id or f"hub-{source_id}",
        event_type=event_type,
        status=status,
    )


@transaction.atomic
def source_update(*, source: Source, **changes: Any) -> Source:
    """Change a source (topics, group, type, status); the consumer process re-subscribes on its next look."""
    if "integration_id" in changes:
        source.integration = _kafka_integration(
            company_id=source.company_id, integration_id=changes.pop("integration_id")
        )
    if "topics" in changes:
        changes["topics"] = _topics_check(changes["topics"])
    if "event_type" in changes:
        _source_type_check(source.company_id, changes["event_type"])
    for field, value in changes.items():
        setattr(source, field, value)
    source.save()
    return source


def source_delete(*, source: Source) -> None:
    source.delete()


def source_group_offsets(*, source: Source) -> dict[str, Any]:
    """Return the source's partitions with committed offsets and lag, or the error that prevented reading them."""
    try:
        return {"partitions": kafka.group_offsets(source.integration, group_id=source.group_id, topics=source.topics)}
    except kafka.StreamError as exc:
        return {"partitions": [], "error": str(exc)}


def _source_data(raw: bytes | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(details={"value": "The message value is not JSON."}) from None
    if not isinstance(data, dict):
        raise InvalidInput(details={"value": "The message value is not a JSON object."})
    return data


@transaction.atomic
def source_messages_store(*, source: Source, messages: list[Any]) -> tuple[int, int]:
    """Store consumed messages as events of the source's type, once per topic/partition/offset.

    Returns (stored, skipped). A message whose value is not a JSON object or fails the type's
    schema is skipped (counted, its error kept on the source) rather than blocking the partition.
    The caller commits the offsets only after this transaction commits.
    """
    stored = skipped = 0
    error = ""
    for msg in messages:
        key = f"kafka:{source.id}:{msg.topic()}:{msg.partition()}:{msg.offset()}"
        if len(key) > 255:  # the event's idempotency column; long topic names are hashed
            key = "kafka:" + hashlib.sha256(key.encode()).hexdigest()
        try:
            data = _source_data(msg.value())
            event_data_validate(company_id=source.company_id, event_type=source.event_type, data=data)
        except InvalidInput as exc:
            skipped += 1
            error = f"{msg.topic()}[{msg.partition()}]@{msg.offset()}: {exc.message}"
            continue
        event_publish(source.company_id, source.event_type, data, idempotency_key=key)
        stored += 1
    now = timezone.now()
    updates: dict[str, Any] = {
        "consumed_count": F("consumed_count") + stored,
        "skipped_count": F("skipped_count") + skipped,
        "last_consumed_at": now,
    }
    if error:
        updates.update(last_error=error[:2000], last_error_at=now)
    Source.objects.filter(id=source.id).update(**updates)
    return stored, skipped


def source_error_record(*, source_id: uuid.UUID, error: str) -> None:
    """Keep the last consumer error on the source (shown by the API and the admin)."""
    Source.objects.filter(id=source_id).update(last_error=error[:2000], last_error_at=timezone.now())
