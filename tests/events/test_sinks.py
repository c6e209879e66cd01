"""Kafka sinks against a real broker: order, keys and headers, rollback, broker outage, pause and replay."""

import json
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction

from orders import services as orders
from streaming import relay
from streaming.models import Sink, SinkMessage
from streaming.services import sink_create, sink_replay
from tests.events.conftest import make_kafka, read_topic, start_command, stop, topic_name, wait_for
from webhooks.services import event_publish


def _order(company) -> orders.Order:
    data = orders.OrderInput(
        branch_id="branch-1",
        order_type="pickup",
        items=[orders.ItemInput(quantity=1, name="Soup", unit_price=Decimal("12.00"))],
        provider="talabat",
        external_order_id=f"T-{time.monotonic_ns()}",
        currency="AED",
    )
    return orders.order_create(company_id=company.id, data=data, actor="test").order


def _drain() -> int:
    delivered = 0
    while True:
        result = relay.relay_round()
        assert result.failed == 0, result.errors
        if not result.delivered:
            return delivered
        delivered += result.delivered


def test_an_orders_create_and_status_changes_arrive_in_order_with_key_and_headers(db, company, kafka_bootstrap):
    # given: a sink of order events on a per-company topic template
    kafka = make_kafka(company, kafka_bootstrap)
    prefix = topic_name("orders")
    sink_create(company_id=company.id, integration_id=kafka.id, events=["order.*"], topic=prefix + ".{eventType}")
    all_topic = topic_name("all")
    sink_create(company_id=company.id, integration_id=kafka.id, events=["order.*"], topic=all_topic)
    # when: an order is created and moves through its statuses, and the relay drains the outbox
    order = _order(company)
    for status in ("confirmed", "preparing", "ready"):
        orders.order_status_change(company_id=company.id, order_id=order.id, to_status=status, actor="test")
    _drain()
    # then: on the single topic, the order's events arrive in publish order, keyed by the order id
    published = list(
        SinkMessage.objects.filter(sink__topic=all_topic).order_by("id").values_list("event__type", flat=True)
    )
    messages = read_topic(kafka_bootstrap, all_topic, count=len(published))
    assert [json.loads(m.value())["type"] for m in messages] == published
    assert published[0] == "order.created" and "order.ready" in published
    assert {m.key() for m in messages} == {str(order.id).encode()}
    headers = dict(messages[0].headers())
    assert headers["event-type"] == b"order.created"
    assert headers["company-id"] == str(company.id).encode()
    body = json.loads(messages[0].value())
    assert headers["event-id"].decode() == str(SinkMessage.objects.filter(sink__topic=all_topic).first().event_id)
    assert body["data"]["orderId"] == str(order.id) and body["timestamp"].endswith("Z")
    # and the template put order.created on its own topic
    created = read_topic(kafka_bootstrap, prefix + ".order.created", count=1)
    assert json.loads(created[0].value())["type"] == "order.created"
    # and each outbox row records where it went
    assert not SinkMessage.objects.filter(delivered_at__isnull=True).exists()
    assert SinkMessage.objects.filter(offset__isnull=False).count() == SinkMessage.objects.count()


def test_a_rolled_back_change_sends_nothing(db, company, kafka_bootstrap):
    # given
    kafka = make_kafka(company, kafka_bootstrap)
    topic = topic_name()
    sink_create(company_id=company.id, integration_id=kafka.id, events=["*"], topic=topic)
    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        event_publish(company, "order.created", {"orderId": "o-1", "status": "pending"})
        raise RuntimeError("the caller's change failed")
    event_publish(company, "order.created", {"orderId": "o-2", "status": "pending"})
    _drain()
    # then: only the committed event reached the topic
    messages = read_topic(kafka_bootstrap, topic, count=2, timeout=15)
    assert [json.loads(m.value())["data"]["orderId"] for m in messages] == ["o-2"]


def test_events_of_other_types_and_companies_do_not_reach_a_sink(db, company, other_company, kafka_bootstrap):
    # given
    kafka = make_kafka(company, kafka_bootstrap)
    sink = sink_create(company_id=company.id, integration_id=kafka.id, events=["payment.*"], topic=topic_name())
    # when
    event_publish(company, "order.created", {"orderId": "o-1", "status": "pending"})
    event_publish(other_company, "payment.succeeded", {"paymentId": "p-1", "status": "succeeded"})
    event_publish(company, "payment.succeeded", {"paymentId": "p-2", "status": "succeeded"})
    # then
    assert list(SinkMessage.objects.filter(sink=sink).values_list("key", flat=True)) == ["p-2"]


def test_a_paused_sink_keeps_its_events_until_resumed_and_replay_sends_them_again(db, company, kafka_bootstrap):
    # given: a paused sink
    kafka = make_kafka(company, kafka_bootstrap)
    topic = topic_name()
    sink = sink_create(company_id=company.id, integration_id=kafka.id, events=["order.*"], topic=topic, status="paused")
    for n in range(3):
        event_publish(company, "order.created", {"orderId": f"o-{n}", "status": "pending"})
    # when the relay runs, nothing goes out
    assert _drain() == 0
    assert SinkMessage.objects.filter(sink=sink, delivered_at__isnull=True).count() == 3
    # when it is resumed
    Sink.objects.filter(id=sink.id).update(status="active")
    assert _drain() == 3
    # when it is replayed from before the first event
    since = SinkMessage.objects.filter(sink=sink).order_by("id").first().created_at
    assert sink_replay(sink=sink, since=since) == 3
    assert _drain() == 3
    # then: six messages, each of the three events twice (keys differ, so partitions may too)
    messages = read_topic(kafka_bootstrap, topic, count=6)
    assert Counter(json.loads(m.value())["data"]["orderId"] for m in messages) == {"o-0": 2, "o-1": 2, "o-2": 2}


@pytest.mark.e2e
def test_events_published_while_the_broker_is_down_arrive_after_it_returns(transactional_db, company, durable_broker):
    # given: a relay process and a sink on a broker with durable storage
    kafka = make_kafka(company, durable_broker.bootstrap)
    topic = topic_name()
    sink_create(company_id=company.id, integration_id=kafka.id, events=["order.*"], topic=topic)
    relay_proc = start_command("stream_relay", extra_env={"STREAMING_DELIVERY_TIMEOUT_SECONDS": "3"})
    try:
        event_publish(company, "order.created", {"orderId": "before", "status": "pending"})
        wait_for(lambda: SinkMessage.objects.filter(delivered_at__isnull=False).count() == 1)
        # when: the broker stops for 20 s while 50 events are published
        durable_broker.stop()
        down_until = time.monotonic() + 20
        for n in range(50):
            event_publish(company, "order.status_changed", {"orderId": f"o-{n % 5}", "status": f"s{n}"})
        wait_for(lambda: Sink.objects.filter(last_error__gt="").exists(), timeout=30)  # the outage is reported
        assert SinkMessage.objects.filter(delivered_at__isnull=True).count() == 50
        time.sleep(max(0.0, down_until - time.monotonic()))  # the outage lasts its 20 s
        durable_broker.start()
        # then: every event goes out once the broker is back
        wait_for(lambda: not SinkMessage.objects.filter(delivered_at__isnull=True).exists(), timeout=90)
    except AssertionError:
        print("".join(relay_proc.output[-40:]))
        raise
    finally:
        stop(relay_proc)
    messages = read_topic(durable_broker.bootstrap, topic, count=51)
    statuses = [json.loads(m.value())["data"]["status"] for m in messages]
    counts = Counter(statuses)
    assert set(counts) == {"pending", *(f"s{n}" for n in range(50))}  # none lost
    duplicates = sum(c - 1 for c in counts.values())
    assert duplicates == len(messages) - 51
    # per key, the first arrival of each event keeps publish order
    for key in range(5):
        firsts = list(
            dict.fromkeys(s for m, s in zip(messages, statuses, strict=True) if m.key() == f"o-{key}".encode())
        )
        assert firsts == [f"s{n}" for n in range(key, 50, 5)]
    print(f"broker outage: {len(messages)} messages for 51 events, {duplicates} duplicate(s) from retries")
