"""The source consumer loop: one Kafka consumer per active source, events stored before offsets are committed.

Run by `manage.py stream_consume` beside the Celery worker. It looks at the configured
sources every STREAMING_SOURCES_REFRESH_SECONDS (new, changed, paused or deleted) and is
idle when there are none. Each batch is stored in one transaction (one event per
topic/partition/offset, deduplicated by the event's idempotency key) and only then are the
offsets committed, synchronously: a process killed in between re-reads the batch on restart
and the keys make the second storing a no-op, so nothing is lost and nothing is stored twice.
"""

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from django.conf import settings
from django.db import close_old_connections

from integrations.models import Integration
from streaming import kafka, services
from streaming.models import Source

logger = logging.getLogger(__name__)


@dataclass
class Runner:
    source: Source
    version: tuple
    consumer: Consumer


def _version(source: Source) -> tuple:
    return (source.updated_at, source.integration.updated_at, tuple(source.topics), source.group_id)


def _close(runner: Runner) -> None:
    with contextlib.suppress(KafkaException, RuntimeError):  # closing a consumer whose cluster is gone
        runner.consumer.close()


def _refresh(runners: dict[Any, Runner]) -> None:
    sources = {
        s.id: s
        for s in Source.objects.filter(
            status=Source.Status.ACTIVE, integration__status=Integration.Status.ACTIVE
        ).select_related("integration")
    }
    for source_id in [i for i in runners if i not in sources or _version(sources[i]) != runners[i].version]:
        _close(runners.pop(source_id))
    for source_id, source in sources.items():
        if source_id in runners:
            continue
        try:
            consumer = kafka.consumer(source.integration, group_id=source.group_id)
            consumer.subscribe(list(source.topics))
        except (kafka.StreamError, KafkaException) as exc:
            services.source_error_record(source_id=source_id, error=str(exc))
            continue
        runners[source_id] = Runner(source=source, version=_version(source), consumer=consumer)


def _commit(consumer: Consumer, messages: list[Any]) -> None:
    ends: dict[tuple[str, int], int] = {}
    for msg in messages:
        key = (msg.topic(), msg.partition())
        ends[key] = max(ends.get(key, -1), msg.offset() + 1)
    consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in ends.items()], asynchronous=False)


def _poll(runner: Runner, timeout: float) -> int:
    """Consume one batch of a source, store it, then commit its offsets; return how many messages it had."""
    messages = runner.consumer.consume(num_messages=settings.STREAMING_CONSUMER_BATCH, timeout=timeout)
    good = []
    for msg in messages:
        err = msg.error()
        if err is None:
            good.append(msg)
        elif err.code() != KafkaError._PARTITION_EOF:
            services.source_error_record(source_id=runner.source.id, error=err.str())
    if good:
        services.source_messages_store(source=runner.source, messages=good)
        _commit(runner.consumer, good)
    return len(good)


def consume_run(*, stop: Callable[[], bool] = lambda: False) -> None:
    """Consume every active source until `stop()` is true."""
    runners: dict[Any, Runner] = {}
    next_refresh = 0.0
    try:
        while not stop():
            if time.monotonic() >= next_refresh:
                close_old_connections()
                try:
                    _refresh(runners)
                except Exception:
                    logger.exception("stream consumer could not read its sources")
                next_refresh = time.monotonic() + settings.STREAMING_SOURCES_REFRESH_SECONDS
            if not runners:
                time.sleep(min(1.0, settings.STREAMING_SOURCES_REFRESH_SECONDS))
                continue
            timeout = 0.5 / len(runners)
            for source_id in list(runners):
                runner = runners[source_id]
                try:
                    _poll(runner, timeout)
                except Exception as exc:  # storing failed: reopen so the group re-reads from the committed offsets
                    logger.exception("stream consumer batch failed", extra={"source": str(source_id)})
                    _close(runners.pop(source_id))
                    close_old_connections()
                    with contextlib.suppress(Exception):  # the database itself may be what failed (logged above)
                        services.source_error_record(source_id=source_id, error=f"Batch not stored: {exc}")
                    next_refresh = time.monotonic() + 1
    finally:
        for runner in runners.values():
            _close(runner)
