"""Benchmark of outbound webhook delivery: events published in transactions → Celery workers → a loopback receiver.

Runs against the PostgreSQL and Redis of DATABASE_URL / REDIS_URL. Starts a fast loopback
receiver, Celery workers and beat, then:
  1. baseline: one client POSTing straight to the receiver (the ceiling without the hub);
  2. throughput: EVENTS events × 4 endpoints published as fast as possible, until every delivery arrives;
  3. latency: events published at half the measured delivery rate (p50/p99 publish → receipt);
  4. fault: a receiver answering 503 for its first FAULT_SECONDS; every delivery must arrive after it recovers.
Progress goes to stderr; the last stdout line is one JSON object.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/webhook_delivery.py [--events 20000]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import free_port, use_bench_database  # noqa: E402

# Loopback receivers, and retries in seconds rather than minutes so the fault run ends in time.
BENCH_ENV = {
    "HUB_ALLOW_LOCAL_TARGETS": "1",
    "WEBHOOK_RETRY_SCHEDULE": "0,1,2,4,8,10,10,10,10,10,10",
    "WEBHOOK_RETRY_JITTER_PERCENT": "20",
    "WEBHOOK_SWEEP_INTERVAL": "5",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}
QUEUES = "webhooks,webhooks_sweep"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class ReceiverProc:
    """The receiver subprocess and an incremental reader of what it recorded."""

    def __init__(self, tmp: Path, name: str, fail_seconds: float = 0) -> None:
        self.port = free_port()
        self.file = tmp / f"{name}.log"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "webhook_receiver.py"),
                str(self.port),
                str(self.file),
                str(fail_seconds),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"
        self._offset = 0
        self._partial = ""
        self.records: list[tuple[int, str, str, float]] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def poll(self) -> list[tuple[int, str, str, float]]:
        with open(self.file) as fh:
            fh.seek(self._offset)
            chunk = fh.read()
            self._offset = fh.tell()
        text = self._partial + chunk
        lines = text.split("\n")
        self._partial = lines.pop()
        for line in lines:
            status, path, msg_id, at = line.split(" ")
            self.records.append((int(status), path, msg_id, float(at)))
        return self.records

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def start_celery(args: list[str], env: dict[str, str], ready_marker: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.time() + 60
    assert proc.stdout is not None
    for line in proc.stdout:
        if ready_marker in line:
            break
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"celery {args[0]} did not start")
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc


def publish_share(company_id, count: int, batch: int) -> dict[str, float]:
    """Publish `count` events in transactions of `batch` (runs in a forked publisher process)."""
    from django.db import connections, transaction

    from webhooks import services

    connections.close_all()
    published: dict[str, float] = {}
    while count:
        n = min(batch, count)
        with transaction.atomic():
            for _ in range(n):
                event = services.event_publish(company_id, "order.created", {"orderId": "o", "total": "10.00"})
                published[event.message_id] = event.created_at.timestamp()
        count -= n
    return published


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--endpoints", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=6, help="prefork children per worker")
    parser.add_argument("--batch", type=int, default=100, help="events per publishing transaction")
    parser.add_argument("--publishers", type=int, default=2, help="publishing processes in the throughput run")
    parser.add_argument("--paced-seconds", type=float, default=20)
    parser.add_argument("--fault-events", type=int, default=500)
    parser.add_argument("--fault-seconds", type=float, default=30)
    parser.add_argument("--wait", type=float, default=600, help="longest wait for a phase's deliveries (s)")
    args = parser.parse_args()

    os.environ.update(BENCH_ENV)
    log("creating and migrating the bench database")
    use_bench_database("webhook_delivery")  # a fresh <db>_webhook_delivery, so no other data is touched
    env = {**os.environ}

    import django

    django.setup()
    import tempfile

    import urllib3
    from django.db import connections, transaction

    from accounts.models import Company
    from accounts.redis_client import get_redis
    from webhooks import services

    redis = get_redis()
    redis.delete("webhooks", "webhooks_sweep")
    tmp = Path(tempfile.mkdtemp(prefix="whbench-"))
    company = Company.objects.create(name="Webhook bench", slug=f"whbench-{int(time.time())}")
    receiver = ReceiverProc(tmp, "receiver")
    procs: list[subprocess.Popen] = []
    fault = None
    try:
        for i in range(args.endpoints):
            services.endpoint_create(
                company_id=company.id, name=f"bench {i}", url=receiver.url(f"/e{i}"), events=["order.*"], max_retries=10
            )
        log(f"starting {args.workers} worker(s) × {args.concurrency} and beat")
        for n in range(args.workers):
            procs.append(
                start_celery(
                    [
                        "worker",
                        "-Q",
                        QUEUES,
                        "-c",
                        str(args.concurrency),
                        "-n",
                        f"bench{n}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--loglevel=INFO",
                    ],
                    env,
                    "ready.",
                )
            )
        beat_file = tmp / "beat-schedule"
        procs.append(
            start_celery(
                ["beat", "-S", "celery.beat:PersistentScheduler", "-s", str(beat_file), "--loglevel=INFO"],
                env,
                "beat: Starting",
            )
        )

        # 1. baseline: one sequential keep-alive client straight to the receiver
        pool = urllib3.HTTPConnectionPool("127.0.0.1", receiver.port, maxsize=1)
        started = time.monotonic()
        count = 0
        while time.monotonic() - started < 3 and count < 20_000:
            pool.urlopen("POST", "/baseline", body=b"{}", headers={"webhook-id": f"b{count}"})
            count += 1
        baseline_rps = count / (time.monotonic() - started)
        log(f"baseline: {baseline_rps:.0f} POST/s from one client without the hub")

        published: dict[str, float] = {}

        def publish(n: int, event_type: str = "order.created") -> None:
            with transaction.atomic():
                for _ in range(n):
                    event = services.event_publish(company, event_type, {"orderId": "o", "total": "10.00"})
                    published[event.message_id] = event.created_at.timestamp()

        def wait_all(prefix: str, expected: set[tuple[str, str]], label: str) -> dict[tuple[str, str], float]:
            deadline = time.monotonic() + args.wait
            last_log = 0.0
            while True:
                first: dict[tuple[str, str], float] = {}
                for status, path, msg_id, at in receiver_for(prefix).poll():
                    if status == 200 and path.startswith(prefix) and (path, msg_id) not in first:
                        first[(path, msg_id)] = at
                got = len(expected & first.keys())
                if got == len(expected) or time.monotonic() > deadline:
                    return first
                if time.monotonic() - last_log > 5:
                    log(f"{label}: {got}/{len(expected)} delivered")
                    last_log = time.monotonic()
                time.sleep(0.2)

        def receiver_for(prefix: str) -> ReceiverProc:
            return fault if prefix == "/f" and fault is not None else receiver

        paths = [f"/e{i}" for i in range(args.endpoints)]

        # 2. throughput
        log(f"throughput: publishing {args.events} events to {args.endpoints} endpoints")
        t0 = time.time()
        shares = [
            args.events // args.publishers + (1 if i < args.events % args.publishers else 0)
            for i in range(args.publishers)
        ]
        connections.close_all()  # each forked publisher opens its own connection
        with get_context("fork").Pool(args.publishers) as publishers:
            for part in publishers.starmap(publish_share, [(company.id, n, args.batch) for n in shares]):
                published.update(part)
        publish_s = time.time() - t0
        log(f"published in {publish_s:.1f} s by {args.publishers} process(es) = {args.events / publish_s:.0f} events/s")
        run1 = set(published)
        expected1 = {(p, m) for m in run1 for p in paths}
        first = wait_all("/e", expected1, "throughput")
        received1 = [first[k] for k in expected1 if k in first]
        span = (max(received1) - t0) if received1 else float("inf")
        deliveries_per_s = len(received1) / span
        sat_latency = [(first[(p, m)] - published[m]) * 1000 for (p, m) in expected1 if (p, m) in first]
        log(f"throughput: {len(received1)} deliveries in {span:.1f} s = {deliveries_per_s:.0f}/s")

        # 3. latency at half the measured rate
        rate = max(4.0, deliveries_per_s / 2) / args.endpoints  # events per second
        log(f"latency: {rate:.0f} events/s ({rate * args.endpoints:.0f} deliveries/s) for {args.paced_seconds:.0f} s")
        before = set(published)
        start = time.monotonic()
        sent = 0
        while (elapsed := time.monotonic() - start) < args.paced_seconds:
            due = int(elapsed * rate) - sent
            if due > 0:
                publish(due)
                sent += due
            time.sleep(0.05)
        run2 = set(published) - before
        expected2 = {(p, m) for m in run2 for p in paths}
        first = wait_all("/e", expected2, "latency")
        paced = [(first[(p, m)] - published[m]) * 1000 for (p, m) in expected2 if (p, m) in first]
        log(f"latency: p50 {percentile(paced, 50):.0f} ms, p99 {percentile(paced, 99):.0f} ms over {len(paced)}")

        all_records = receiver.poll()
        ok = Counter(
            (path, msg_id) for status, path, msg_id, _ in all_records if status == 200 and path.startswith("/e")
        )
        lost = len((expected1 | expected2) - ok.keys())
        duplicates = sum(c - 1 for c in ok.values() if c > 1)

        # 4. fault: 503 for the first FAULT_SECONDS
        fault = ReceiverProc(tmp, "fault", fail_seconds=args.fault_seconds)
        fault_paths = [f"/f{i}" for i in range(args.endpoints)]
        for i, path in enumerate(fault_paths):
            services.endpoint_create(
                company_id=company.id, name=f"fault {i}", url=fault.url(path), events=["payment.*"], max_retries=10
            )
        log(f"fault: {args.fault_events} events while the receiver answers 503 for {args.fault_seconds:.0f} s")
        before = set(published)
        for _ in range(0, args.fault_events, args.batch):
            publish(min(args.batch, args.fault_events - (len(published) - len(before))), "payment.succeeded")
        run3 = set(published) - before
        expected3 = {(p, m) for m in run3 for p in fault_paths}
        first = wait_all("/f", expected3, "fault")
        fault_lost = len(expected3 - first.keys())
        fault_503 = sum(1 for status, *_ in fault.poll() if status == 503)
        fault_ok = Counter((p, m) for s, p, m, _ in fault.records if s == 200)
        duplicates += sum(c - 1 for c in fault_ok.values() if c > 1)
        log(f"fault: {len(expected3) - fault_lost}/{len(expected3)} delivered after {fault_503} answers of 503")

        result = {
            "bench": "webhook_delivery",
            "deliveries": len(expected1),
            "deliveries_per_s": round(deliveries_per_s, 1),
            "p50_ms": round(percentile(paced, 50), 1),
            "p99_ms": round(percentile(paced, 99), 1),
            "lost": lost,
            "duplicates": duplicates,
            "fault_lost": fault_lost,
            "events": args.events,
            "endpoints": args.endpoints,
            "paced_deliveries_per_s": round(rate * args.endpoints, 1),
            "saturated_p50_ms": round(percentile(sat_latency, 50), 1),
            "saturated_p99_ms": round(percentile(sat_latency, 99), 1),
            "fault_deliveries": len(expected3),
            "fault_503_answers": fault_503,
            "baseline_posts_per_s": round(baseline_rps, 1),
            "workers": args.workers,
            "concurrency": args.concurrency,
            "publishers": args.publishers,
            "publish_events_per_s": round(args.events / publish_s, 1),
        }
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        receiver.stop()
        if fault is not None:
            fault.stop()
        redis.delete("webhooks", "webhooks_sweep")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
