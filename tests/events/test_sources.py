"""Kafka sources against a real broker: fan-out to webhooks, offsets after storage, a killed consumer."""

import json
import os
import signal

import pytest
from confluent_kafka import Producer

from streaming import consumer, kafka, services
from streaming.models import Source
from streaming.services import event_type_create, source_create
from tests.events.conftest import make_kafka, start_command, stop, topic_name, wait_for
from webhooks.models import Delivery, Endpoint, Event

STOCK_SCHEMA = {
    "type": "object",
    "required": ["sku", "quantity"],
    "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 0}},
}


def _produce(bootstrap: str, topic: str, values: list[dict | bytes]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for n, value in enumerate(values):
        body = value if isinstance(value, bytes) else json.dumps(value).encode()
        producer.produce(topic, key=f"k{n % 7}".encode(), value=body)
    assert producer.flush(30) == 0


def _stock_source(company, bootstrap: str, topic: str) -> Source:
    event_type_create(company_id=company.id, name="inventory.stock.updated", schema=STOCK_SCHEMA)
    integration = make_kafka(company, bootstrap)
    return source_create(
        company_id=company.id, integration_id=integration.id, topics=[topic], event_type="inventory.stock.updated"
    )


def _committed(source: Source) -> int:
    rows = kafka.group_offsets(source.integration, group_id=source.group_id, topics=source.topics)
    return sum(r["committedOffset"] or 0 for r in rows)


@pytest.mark.e2e
def test_a_source_message_reaches_a_webhook_subscriber_and_its_offset_is_committed_after_storage(
    transactional_db, company, kafka_bootstrap
):
    # given: a source of a custom type, a webhook endpoint subscribed to that type, and a consumer process
    topic = topic_name("stock")
    source = _stock_source(company, kafka_bootstrap, topic)
    endpoint = Endpoint.objects.create(
        company=company, name="stock", url="http://127.0.0.1:9/hook", events=["inventory.stock.updated"], secret="x"
    )
    proc = start_command("stream_consume")
    try:
        # when: a good message and a malformed one are produced
        _produce(kafka_bootstrap, topic, [{"sku": "SKU-1", "quantity": 5}, b"not json"])
        # then: the good one is an event with a delivery to the endpoint; the bad one is skipped, not stuck
        event = wait_for(lambda: Event.objects.filter(company=company, type="inventory.stock.updated").first())
        assert event.data == {"sku": "SKU-1", "quantity": 5}
        assert Delivery.objects.filter(event=event, endpoint=endpoint).exists()
        wait_for(lambda: Source.objects.get(id=source.id).skipped_count == 1)
        assert "not JSON" in Source.objects.get(id=source.id).last_error
        wait_for(lambda: _committed(source) == 2, timeout=30)
    finally:
        stop(proc)


def test_offsets_are_not_committed_when_storing_fails(db, company, kafka_bootstrap, monkeypatch):
    # given: a source with two messages waiting, and a database write that fails
    topic = topic_name("stock")
    source = _stock_source(company, kafka_bootstrap, topic)
    _produce(kafka_bootstrap, topic, [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 2}])

    def broken(**kwargs):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(services, "source_messages_store", broken)
    runners: dict = {}
    consumer._refresh(runners)
    runner = runners[source.id]
    try:
        # when: the consumer reads the batch and storing it fails
        with pytest.raises(RuntimeError):
            wait_for(lambda: consumer._poll(runner, 1.0), timeout=30)
    finally:
        runner.consumer.close()
    # then: nothing is stored and no offset is committed, so the batch is read again later
    assert not Event.objects.filter(type="inventory.stock.updated").exists()
    assert _committed(source) == 0


@pytest.mark.e2e
def test_a_consumer_killed_mid_batch_and_restarted_loses_nothing_and_stores_nothing_twice(
    transactional_db, company, kafka_bootstrap
):
    # given: 3,000 messages on a source's topic and a consumer process
    topic = topic_name("stock")
    source = _stock_source(company, kafka_bootstrap, topic)
    _produce(kafka_bootstrap, topic, [{"sku": f"SKU-{n}", "quantity": n} for n in range(3000)])
    stored = Event.objects.filter(company=company, type="inventory.stock.updated")
    proc = start_command("stream_consume", extra_env={"STREAMING_CONSUMER_BATCH": "200"})
    # when: it is killed (SIGKILL) once it has stored part of them, and a new one is started
    try:
        wait_for(lambda: stored.count() >= 400, timeout=60, interval=0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert stored.count() < 3000
    proc = start_command("stream_consume", extra_env={"STREAMING_CONSUMER_BATCH": "200"})
    try:
        wait_for(lambda: stored.count() == 3000, timeout=120)
        wait_for(lambda: _committed(source) == 3000, timeout=30)
    finally:
        stop(proc)
    # then: every message became exactly one event
    assert sorted(e["quantity"] for e in stored.values_list("data", flat=True)) == list(range(3000))
