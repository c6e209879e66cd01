"""Kafka clients of an integration (confluent-kafka): the relay's idempotent producer, consumers, a one-off produce.

Settings come from integrations/providers/kafka.py, which applies the outbound SSRF policy
to the bootstrap servers and the advertised brokers before any client is made.
"""

import threading
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from django.conf import settings

from integrations.models import Integration
from integrations.providers.kafka import KafkaConfigError, client_config


class StreamError(Exception):
    """A Kafka operation failed; the message is safe to show (no credentials)."""


def _config(integration: Integration, *, check_brokers: bool = True) -> dict[str, Any]:
    if integration.provider != "kafka":
        raise StreamError("The integration is not a Kafka integration.")
    try:
        return client_config(integration.values(), check_brokers=check_brokers)
    except KafkaConfigError as exc:
        raise StreamError(str(exc)) from None


def producer_config(integration: Integration) -> dict[str, Any]:
    """Return the settings of an idempotent producer: acks=all, enable.idempotence, bounded delivery time."""
    return {
        **_config(integration),
        # Idempotence keeps per-partition order and drops the broker-side duplicates of internal retries.
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "compression.type": "none",
        "message.timeout.ms": settings.STREAMING_DELIVERY_TIMEOUT_SECONDS * 1000,
        "queue.buffering.max.messages": 200_000,
    }


_producers: dict[tuple[str, str], Producer] = {}
_lock = threading.Lock()


def producer(integration: Integration) -> Producer:
    """Return this process's producer for the integration (made again when its settings change)."""
    key = (str(integration.id), integration.updated_at.isoformat() if integration.updated_at else "")
    with _lock:
        found = _producers.get(key)
        if found is None:
            for stale in [k for k in _producers if k[0] == key[0]]:
                _producers.pop(stale).flush(0)
            found = _producers[key] = Producer(producer_config(integration))
        return found


def producer_discard(integration_id: Any) -> None:
    """Forget the integration's producer (after a fatal error librdkafka cannot recover from)."""
    with _lock:
        for stale in [k for k in _producers if k[0] == str(integration_id)]:
            _producers.pop(stale, None)


def produce_one(
    integration: Integration, *, topic: str, key: str | None, value: bytes, headers: list[tuple[str, str]]
) -> tuple[int, int]:
    """Produce one message and wait for the broker's acknowledgement; return (partition, offset)."""
    result: dict[str, Any] = {}

    def delivered(err: KafkaError | None, msg: Any) -> None:
        result["err"], result["msg"] = err, msg

    client = producer(integration)
    try:
        client.produce(
            topic,
            key=key.encode() if key else None,
            value=value,
            headers=headers,
            on_delivery=delivered,
        )
    except (KafkaException, BufferError, ValueError) as exc:
        raise StreamError(f"The message could not be queued: {exc}") from None
    client.flush(settings.STREAMING_CONNECT_TIMEOUT_SECONDS * 2)
    if "msg" not in result:
        raise StreamError("The broker did not acknowledge the message in time.")
    if result["err"] is not None:
        raise StreamError(f"The broker refused the message: {result['err'].str()}")
    return result["msg"].partition(), result["msg"].offset()


def consumer_config(integration: Integration, *, group_id: str) -> dict[str, Any]:
    """Return the settings of a source consumer: offsets committed by hand, after the events are stored."""
    return {
        **_config(integration),
        "group.id": group_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        # A short session lets a replacement consumer take over a killed one's partitions in seconds;
        # measured against Tansu: the first join took 24 s with librdkafka's defaults, 3.6 s with these.
        "session.timeout.ms": 6_000,
        "heartbeat.interval.ms": 500,
        "fetch.wait.max.ms": 100,
    }


def consumer(integration: Integration, *, group_id: str) -> Consumer:
    return Consumer(consumer_config(integration, group_id=group_id))


def group_offsets(integration: Integration, *, group_id: str, topics: list[str]) -> list[dict[str, Any]]:
    """Return each partition of the topics with the group's committed offset, the end offset and the lag."""
    timeout = settings.STREAMING_CONNECT_TIMEOUT_SECONDS
    client = Consumer({**_config(integration), "group.id": group_id, "enable.auto.commit": False})
    try:
        partitions: list[TopicPartition] = []
        metadata = client.list_topics(timeout=timeout)
        for topic in topics:
            found = metadata.topics.get(topic)
            if found is None or found.error is not None:
                continue
            partitions += [TopicPartition(topic, p) for p in sorted(found.partitions)]
        committed = client.committed(partitions, timeout=timeout) if partitions else []
        rows = []
        for tp in committed:
            low, high = client.get_watermark_offsets(TopicPartition(tp.topic, tp.partition), timeout=timeout)
            offset = tp.offset if tp.offset >= 0 else None
            lag = high - (offset if offset is not None else low)
            rows.append(
                {
                    "topic": tp.topic,
                    "partition": tp.partition,
                    "committedOffset": offset,
                    "endOffset": high,
                    "lag": max(lag, 0),
                }
            )
        return rows
    except KafkaException as exc:
        raise StreamError(f"The cluster did not answer: {exc.args[0].str()}") from None
    finally:
        client.close()
