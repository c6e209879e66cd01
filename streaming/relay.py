"""The sink relay: drains the Kafka sink outbox in id order with an idempotent producer, marking rows after acks.

One relay round at a time across every process: a round runs inside a transaction holding a
PostgreSQL advisory lock (`pg_try_advisory_xact_lock`), so two relay processes never
interleave rounds and per-key order (outbox id order, acks=all, idempotent producer with
librdkafka's in-order retries) is kept; a second relay is a hot standby. A row is marked
delivered only after its delivery report says the broker acknowledged it; a relay killed
mid-round leaves its rows pending and the next round (any process) sends them again: at
least once, never lost.
"""

import contextlib
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from integrations.models import Integration
from streaming import kafka
from streaming.models import Sink, SinkMessage
from streaming.services import message_headers
from webhooks.models import Event
from webhooks.services import event_body

logger = logging.getLogger(__name__)

# Any constant both relays agree on; "hubsink" in ASCII.
ADVISORY_LOCK_KEY = 0x6875627369_6E6B


@dataclass
class RoundResult:
    """What one relay round did: rows acknowledged, rows that failed (to be sent again), and why."""

    delivered: int = 0
    failed: int = 0
    errors: dict[Any, str] = field(default_factory=dict)  # sink id → last error
    locked_out: bool = False


def _pending(limit: int) -> list[tuple]:
    return list(
        SinkMessage.objects.filter(delivered_at__isnull=True, sink__status=Sink.Status.ACTIVE)
        .order_by("id")
        .values_list(
            "id",
            "sink_id",
            "sink__integration_id",
            "topic",
            "key",
            "event_id",
            "event__type",
            "event__company_id",
            "event__created_at",
            "event__data",
        )[:limit]
    )


_MARK_SQL = (
    "UPDATE streaming_sinkmessage AS m SET delivered_at = %s, partition = v.p, "
    '"offset" = v.o, attempts = m.attempts + 1 '
    "FROM unnest(%s::bigint[], %s::int[], %s::bigint[]) AS v(id, p, o) WHERE m.id = v.id"
)


def _mark_delivered(acks: list[tuple[int, int, int]], now: datetime) -> None:
    if connection.vendor == "postgresql":
        ids, partitions, offsets = zip(*acks, strict=True)
        # One statement for the whole batch of acknowledgements, instead of one UPDATE per row.
        with connection.cursor() as cursor:
            cursor.execute(_MARK_SQL, [now, list(ids), list(partitions), list(offsets)])
        return
    for row_id, partition, offset in acks:  # the embedded mode: small volumes
        SinkMessage.objects.filter(id=row_id).update(
            delivered_at=now, partition=partition, offset=offset, attempts=F("attempts") + 1
        )


def _locked() -> bool:
    if connection.vendor != "postgresql":
        return True  # the embedded mode runs one relay
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _topics_create(integration: Integration, topics: set[str]) -> None:
    """Create topics the cluster does not know (clusters with auto-creation off); errors are left to the retry."""
    try:
        admin = AdminClient(kafka._config(integration, check_brokers=False))
        futures = admin.create_topics(
            [NewTopic(t, num_partitions=settings.STREAMING_TOPIC_PARTITIONS) for t in topics], request_timeout=5
        )
        for future in futures.values():
            with contextlib.suppress(KafkaException):  # already exists (a race) or refused: the next round reports it
                future.result(timeout=10)
    except kafka.StreamError:
        pass


def relay_round(*, limit: int | None = None) -> RoundResult:
    """Send one batch of pending sink messages and record what the broker acknowledged."""
    result = RoundResult()
    with transaction.atomic():
        if not _locked():
            result.locked_out = True
            return result
        rows = _pending(limit or settings.STREAMING_RELAY_BATCH)
        if not rows:
            return result
        integrations = {
            i.id: i
            for i in Integration.objects.filter(id__in={row[2] for row in rows}, status=Integration.Status.ACTIVE)
        }
        acks: list[tuple[int, int, int]] = []
        failures: dict[int, tuple[Any, str, bool]] = {}  # row id → (sink id, error, fatal)
        unknown_topic: set[int] = set()
        producers: dict[Any, Any] = {}

        def report(row_id: int, sink_id: Any) -> Any:
            def delivered(err: KafkaError | None, msg: Any) -> None:
                if err is None:
                    acks.append((row_id, msg.partition(), msg.offset()))
                else:
                    failures[row_id] = (sink_id, err.str(), err.fatal())
                    if err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                        unknown_topic.add(row_id)

            return delivered

        missing_topics: dict[Any, set[str]] = defaultdict(set)
        for row_id, sink_id, integration_id, topic, key, event_id, etype, company_id, created_at, data in rows:
            integration = integrations.get(integration_id)
            if integration is None:
                failures[row_id] = (sink_id, "The Kafka integration is inactive.", False)
                continue
            client = producers.get(integration_id)
            if client is None:
                try:
                    client = producers[integration_id] = kafka.producer(integration)
                except (kafka.StreamError, KafkaException) as exc:
                    failures[row_id] = (sink_id, str(exc), False)
                    integrations.pop(integration_id)
                    continue
            event = Event(id=event_id, type=etype, company_id=company_id, created_at=created_at, data=data)
            while True:
                try:
                    client.produce(
                        topic,
                        key=key.encode() if key else None,
                        value=event_body(event),
                        headers=list(message_headers(event).items()),
                        on_delivery=report(row_id, sink_id),
                    )
                    break
                except BufferError:
                    client.poll(0.05)  # librdkafka's queue is full: let deliveries drain it
                except KafkaException as exc:
                    failures[row_id] = (sink_id, exc.args[0].str(), exc.args[0].fatal())
                    break
            client.poll(0)
        for integration_id, client in producers.items():
            # Wait for every delivery report (bounded by message.timeout.ms): a row is marked only after its ack,
            # and none stays in flight past the round, so the next round cannot send a duplicate of it.
            remaining = client.flush(settings.STREAMING_DELIVERY_TIMEOUT_SECONDS + 5)
            if remaining:
                kafka.producer_discard(integration_id)
        row_of = {row[0]: row for row in rows}
        for row_id, (sink_id, error, _fatal) in failures.items():
            if row_id in unknown_topic:
                missing_topics[row_of[row_id][2]].add(row_of[row_id][3])
            # A failed delivery leaves the idempotent producer's sequence state uncertain (a timed-out batch
            # may or may not be on the broker; a restarted broker may have forgotten the producer id): the
            # next round starts with a fresh producer. Measured: kept, a Tansu restart left one partition
            # failing every round; fresh, all went out on the first round after the restart.
            kafka.producer_discard(row_of[row_id][2])
            result.errors[sink_id] = error
        now = timezone.now()
        if acks:
            _mark_delivered(acks, now)
            per_sink: dict[Any, int] = defaultdict(int)
            for row_id, _, _ in acks:
                per_sink[row_of[row_id][1]] += 1
            for sink_id, count in per_sink.items():
                changes: dict[str, Any] = {"delivered_count": F("delivered_count") + count, "last_delivered_at": now}
                if sink_id not in result.errors:
                    changes["last_error"] = ""
                Sink.objects.filter(id=sink_id).update(**changes)
        for sink_id, error in result.errors.items():
            Sink.objects.filter(id=sink_id).update(last_error=error[:2000], last_error_at=now)
        result.delivered, result.failed = len(acks), len(failures)
    for integration_id, topics in missing_topics.items():
        if integration_id in integrations:
            _topics_create(integrations[integration_id], topics)
    return result


def relay_run(*, stop: Any = None, idle_ms: int | None = None) -> None:
    """Run relay rounds until `stop()` is true: sleep briefly when idle, back off while a broker fails."""
    idle = (idle_ms if idle_ms is not None else settings.STREAMING_RELAY_IDLE_MS) / 1000
    backoff = 0.5
    while not (stop and stop()):
        try:
            result = relay_round()
        except Exception:  # the database went away, a bug: log, back off, keep the process alive
            logger.exception("stream relay round failed")
            connection.close()
            time.sleep(backoff)
            backoff = min(backoff * 2, settings.STREAMING_RETRY_MAX_SECONDS)
            continue
        if result.failed:
            logger.warning(
                "stream relay: messages not acknowledged, retrying",
                extra={
                    "failed": result.failed,
                    "delivered": result.delivered,
                    "error": next(iter(result.errors.values()), ""),
                },
            )
            time.sleep(backoff)
            backoff = min(backoff * 2, settings.STREAMING_RETRY_MAX_SECONDS)
        elif result.delivered:
            backoff = 0.5
        else:
            time.sleep(idle)
