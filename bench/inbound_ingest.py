"""Inbound ingest: signed WooCommerce webhooks at gunicorn on loopback vs a bare Django view.

    make bench   (or: scripts/with_services.sh .venv/bin/python bench/inbound_ingest.py)

Runs against real PostgreSQL (a fresh `<db>_bench_inbound` database) and Redis. One gunicorn
(2 x cores + 1 sync workers, the project's bench convention) serves the hub and a bare view
that reads the body and answers 200 (this module is the URLconf: same process, same
middleware). It measures, in one run:
1. the sustained accepted rate of the receiver: closed loop, several sender processes,
   every request a correctly signed `order.created` with its own X-WC-Webhook-Delivery-ID;
2. latency at 80% of that rate: open loop, measured from each request's scheduled send time,
   so a stall is not hidden by senders waiting for it;
3. the same closed loop against the bare view (baseline), and the ratio;
then checks that every 2xx was stored (stored == accepted, lost == 0). Progress on stderr;
the last stdout line is one JSON object with the keys of issue 5.
Settings: BENCH_DURATION (s, default 10), BENCH_WORKERS, BENCH_THREADS (gunicorn threads, 1).
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import statistics
import sys
import threading
import time
import uuid
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import Gunicorn, django_setup, emit, log, use_bench_database  # noqa: E402

if __name__ != "__main__":  # imported by gunicorn as ROOT_URLCONF
    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    def baseline(request: HttpRequest) -> HttpResponse:
        """The bare Django view: reads the body like the receiver, answers 200."""
        request.body  # noqa: B018
        return HttpResponse(b'{"received":true}', content_type="application/json")

    urlpatterns = [path("bench/baseline/", baseline), path("", include("config.urls"))]

DURATION = float(os.environ.get("BENCH_DURATION", "10"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
SENDER_PROCESSES, SENDER_THREADS = 2, 4
MAX_REQUESTS_PER_PHASE = 200_000
SECRET = "bench-woocommerce-secret"
ORDER = json.loads((ROOT / "tests/integrations/fixtures/woocommerce/order_created.json").read_text())


def signed_request() -> tuple[bytes, dict[str, str]]:
    """Return a unique order and the headers WooCommerce would send with it."""
    body = json.dumps({**ORDER, "order_key": uuid.uuid4().hex}, separators=(",", ":")).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return body, {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": "order.created",
        "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
        "X-WC-Webhook-Signature": signature,
    }


def send(port: int, path: str) -> int:
    """POST one signed delivery on a fresh connection; return the status (0 on a network error)."""
    body, headers = signed_request()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


def _closed_worker(args: tuple[int, str, float]) -> tuple[int, int]:
    port, path, duration = args
    ok = bad = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    budget = MAX_REQUESTS_PER_PHASE // SENDER_PROCESSES // SENDER_THREADS

    def run() -> None:
        nonlocal ok, bad
        for _ in range(budget):
            if time.monotonic() >= stop_at:
                break
            status = send(port, path)
            with lock:
                if 200 <= status < 300:
                    ok += 1
                else:
                    bad += 1

    threads = [threading.Thread(target=run) for _ in range(SENDER_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok, bad


def closed_loop(port: int, path: str, duration: float) -> tuple[int, int, float]:
    """Back-to-back senders in several processes; returns (2xx, other, elapsed seconds)."""
    started = time.monotonic()
    with get_context("fork").Pool(SENDER_PROCESSES) as pool:
        results = pool.map(_closed_worker, [(port, path, duration)] * SENDER_PROCESSES)
    return sum(r[0] for r in results), sum(r[1] for r in results), time.monotonic() - started


def _open_worker(args: tuple[int, str, float, int, float]) -> tuple[int, int, list[float]]:
    port, path, interval, total, start = args
    slots = iter(range(total))
    latencies: list[float] = []
    ok = bad = 0
    lock = threading.Lock()

    def run() -> None:
        nonlocal ok, bad
        while True:
            with lock:
                i = next(slots, None)
            if i is None:
                return
            scheduled = start + i * interval
            if (delay := scheduled - time.monotonic()) > 0:
                time.sleep(delay)
            status = send(port, path)
            elapsed_ms = (time.monotonic() - scheduled) * 1000
            with lock:
                latencies.append(elapsed_ms)
                ok, bad = (ok + 1, bad) if 200 <= status < 300 else (ok, bad + 1)

    threads = [threading.Thread(target=run) for _ in range(SENDER_THREADS * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok, bad, latencies


def open_loop(port: int, path: str, rate: float, duration: float) -> tuple[int, int, list[float]]:
    """Requests at a fixed rate (split over the sender processes); latency from each scheduled send time."""
    total = min(int(rate * duration), MAX_REQUESTS_PER_PHASE) // SENDER_PROCESSES
    interval = SENDER_PROCESSES / rate
    start = time.monotonic() + 0.5  # CLOCK_MONOTONIC is shared by the forked senders
    jobs = [(port, path, interval, total, start + k * interval / SENDER_PROCESSES) for k in range(SENDER_PROCESSES)]
    with get_context("fork").Pool(SENDER_PROCESSES) as pool:
        results = pool.map(_open_worker, jobs)
    sent = total * SENDER_PROCESSES
    log(f"paced: {sent} requests sent in {time.monotonic() - start:.1f} s (scheduled {duration:g} s)")
    return sum(r[0] for r in results), sum(r[1] for r in results), [x for r in results for x in r[2]]


def main() -> None:
    use_bench_database("bench_inbound")
    django_setup()
    from accounts import services as accounts_services
    from config.celery_app import app as celery_app
    from integrations import services
    from integrations.models import InboundEvent

    company = accounts_services.company_create(name="Inbound bench", slug="bench-inbound")
    integration = services.integration_create(
        company_id=company.id,
        name="Bench store",
        provider="woocommerce",
        config={
            "baseUrl": "https://shop.example.com",
            "consumerKey": "ck_bench",
            "consumerSecret": "cs_bench",
            "webhookSecret": SECRET,
        },
    )
    hub = f"/api/v1/inbound/{integration.id}/"
    env = {"ROOT_URLCONF": "bench.inbound_ingest", "LOG_LEVEL": "WARNING"}
    with Gunicorn(workers=WORKERS, env=env, args=["--threads", str(THREADS)]) as server:
        log(f"gunicorn {server.url}: {WORKERS} workers x {THREADS} threads; warming up")
        warm_ok, _, _ = closed_loop(server.port, hub, 2)
        base_warm, _, _ = closed_loop(server.port, "/bench/baseline/", 2)
        if not warm_ok or not base_warm:
            raise RuntimeError("gunicorn answers no 2xx (see its errors above)")

        hub_ok, hub_bad, elapsed = closed_loop(server.port, hub, DURATION)
        rps = hub_ok / elapsed
        log(f"hub: {hub_ok} accepted, {hub_bad} other in {elapsed:.1f} s: {rps:.0f}/s")

        paced_rate = max(rps * 0.8, 1.0)
        log(f"hub at 80% of the sustained rate ({paced_rate:.0f}/s) for {DURATION:g} s")
        paced_ok, paced_bad, latencies = open_loop(server.port, hub, paced_rate, DURATION)
        latencies.sort()
        p50 = statistics.median(latencies) if latencies else 0.0
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
        log(f"paced: {paced_ok} accepted, {paced_bad} other, p50 {p50:.1f} ms, p99 {p99:.1f} ms")

        base_ok, base_bad, base_elapsed = closed_loop(server.port, "/bench/baseline/", DURATION)
        baseline_rps = base_ok / base_elapsed
        log(f"baseline: {base_ok} answered, {base_bad} other: {baseline_rps:.0f}/s")

    accepted = warm_ok + hub_ok + paced_ok  # every 2xx the receiver gave, warm-up included
    stored = InboundEvent.objects.filter(integration_id=integration.id).count()
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("inbound")  # no worker ran: drop the processing messages
    emit(
        {
            "bench": "inbound_ingest",
            "rps": round(rps, 1),
            "baseline_rps": round(baseline_rps, 1),
            "ratio": round(rps / baseline_rps, 3) if baseline_rps else None,
            "p50_ms": round(p50, 2),
            "p99_ms": round(p99, 2),
            "accepted": accepted,
            "stored": stored,
            "lost": accepted - stored,
        }
    )


if __name__ == "__main__":
    main()
