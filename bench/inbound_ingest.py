"""Inbound ingest benchmark: signed WooCommerce webhooks at gunicorn on loopback vs a bare Django view.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/inbound_ingest.py

Starts gunicorn (real PostgreSQL and Redis) serving the hub plus one bare view that answers
200, creates a throw-away company and WooCommerce integration, and measures in one run:
1. the sustained accepted rate of the receiver (closed loop, N concurrent senders),
2. latency at 80% of that rate (open loop; measured from each request's scheduled send
   time, so a stall is not hidden by the senders waiting for it),
3. the closed-loop load against the bare view (baseline), and the ratio,
then checks that every 2xx was stored (stored rows == accepted, lost == 0). Progress goes
to stderr; the last stdout line is one JSON object with the keys of issue 5.

Imported by gunicorn as DJANGO_SETTINGS_MODULE, this module is the project's settings plus a
URLconf adding the baseline view, so both endpoints share one server and one middleware stack.
"""

import os
import sys

if __name__ != "__main__":  # imported by gunicorn as the settings module and URLconf
    from config.settings import *  # noqa: F403

    ROOT_URLCONF = "bench.inbound_ingest"

    def __getattr__(name: str):
        """Build the URLconf on first use: at settings-import time the apps are not loaded yet."""
        if name != "urlpatterns":
            raise AttributeError(name)
        from django.http import HttpRequest, HttpResponse
        from django.urls import include, path
        from django.views.decorators.csrf import csrf_exempt

        @csrf_exempt
        def baseline(request: HttpRequest) -> HttpResponse:
            """The bare Django view: reads the body, answers 200."""
            request.body  # noqa: B018 - read it like the receiver does
            return HttpResponse(b'{"received":true}', content_type="application/json")

        return [path("bench/baseline/", baseline), path("", include("config.urls"))]


def main() -> None:  # noqa: PLR0915 - one linear script
    import argparse
    import base64
    import hashlib
    import hmac
    import http.client
    import json
    import socket
    import statistics
    import subprocess
    import threading
    import time
    import uuid
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each measured phase")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent senders")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread when > 1)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap on requests per phase")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the benchmark runs against the production engines.")

    def log(message: str) -> None:
        print(f"[inbound_ingest] {message}", file=sys.stderr, flush=True)

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Company
    from config.celery_app import app as celery_app
    from integrations import services
    from integrations.models import InboundEvent
    from logs.models import IntegrationLog

    call_command("migrate", verbosity=0)
    secret = "bench-woocommerce-secret"
    slug = f"bench-inbound-{uuid.uuid4().hex[:8]}"
    company = Company.objects.create(name="Inbound bench", slug=slug)
    integration = services.integration_create(
        company_id=company.id,
        name="Bench store",
        provider="woocommerce",
        config={
            "baseUrl": "https://shop.example.com",
            "consumerKey": "ck_bench",
            "consumerSecret": "cs_bench",
            "webhookSecret": secret,
        },
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.inbound_ingest", "LOG_LEVEL": "WARNING"}
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--chdir", str(root)]
        + ["-b", f"127.0.0.1:{port}", "-w", str(args.workers), "--threads", str(args.threads)]
        + ["--log-level", "warning"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
    )
    order = json.loads((root / "tests/integrations/fixtures/woocommerce/order_created.json").read_text())
    hub_path = f"/api/v1/inbound/{integration.id}/"

    def signed(n: int) -> tuple[bytes, dict[str, str]]:
        body = json.dumps({**order, "id": n}, separators=(",", ":")).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        return body, {
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
            "X-WC-Webhook-Signature": signature,
        }

    counter = iter(range(10**9))
    counter_lock = threading.Lock()

    def send(target: str) -> int:
        with counter_lock:
            n = next(counter)
        body, headers = signed(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("POST", target, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        except OSError:
            return 0
        finally:
            conn.close()

    def closed_loop(target: str, seconds: float) -> tuple[int, int, float]:
        """Every sender sends back to back; returns (2xx, other, elapsed seconds)."""
        ok = bad = 0
        lock = threading.Lock()
        deadline = time.monotonic() + seconds
        budget = [args.max_requests]

        def sender() -> None:
            nonlocal ok, bad
            while time.monotonic() < deadline:
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                status = send(target)
                with lock:
                    if 200 <= status < 300:
                        ok += 1
                    else:
                        bad += 1

        started = time.monotonic()
        threads = [threading.Thread(target=sender) for _ in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 30)
        return ok, bad, time.monotonic() - started

    def open_loop(target: str, rate: float, seconds: float) -> tuple[int, int, list[float]]:
        """Requests at a fixed rate spread over the senders; latency from each scheduled send time."""
        total = min(int(rate * seconds), args.max_requests)
        interval = 1.0 / rate
        start = time.monotonic() + 0.2
        latencies: list[float] = []
        ok = bad = 0
        lock = threading.Lock()
        slots = iter(range(total))

        def sender() -> None:
            nonlocal ok, bad
            while True:
                with lock:
                    i = next(slots, None)
                if i is None:
                    return
                scheduled = start + i * interval
                delay = scheduled - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                status = send(target)
                elapsed = time.monotonic() - scheduled
                with lock:
                    latencies.append(elapsed * 1000)
                    if 200 <= status < 300:
                        ok += 1
                    else:
                        bad += 1

        threads = [threading.Thread(target=sender) for _ in range(args.concurrency * 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 60)
        log(f"paced: {total} requests sent in {time.monotonic() - start:.1f} s (scheduled: {seconds:g} s)")
        return ok, bad, latencies

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        log(f"gunicorn on 127.0.0.1:{port}, {args.workers} workers x {args.threads} threads; warming up")
        warm_ok, _, _ = closed_loop(hub_path, 1.5)
        base_warm_ok, _, _ = closed_loop("/bench/baseline/", 1.5)
        if gunicorn.poll() is not None or not warm_ok or not base_warm_ok:
            raise RuntimeError("gunicorn is not answering 2xx (see its errors above)")

        log(f"hub: {args.concurrency} senders for {args.seconds:g} s")
        hub_ok, hub_bad, hub_elapsed = closed_loop(hub_path, args.seconds)
        rps = hub_ok / hub_elapsed
        log(f"hub: {hub_ok} accepted, {hub_bad} other, {rps:.0f}/s")

        paced_rate = max(rps * 0.8, 1.0)
        log(f"hub at 80% of the sustained rate ({paced_rate:.0f}/s) for {args.seconds:g} s")
        paced_ok, paced_bad, latencies = open_loop(hub_path, paced_rate, args.seconds)
        latencies.sort()
        p50 = statistics.median(latencies) if latencies else 0.0
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
        log(f"paced: {paced_ok} accepted, {paced_bad} other, p50 {p50:.1f} ms, p99 {p99:.1f} ms")

        log(f"baseline: {args.concurrency} senders for {args.seconds:g} s")
        base_ok, base_bad, base_elapsed = closed_loop("/bench/baseline/", args.seconds)
        baseline_rps = base_ok / base_elapsed
        log(f"baseline: {base_ok} answered, {base_bad} other, {baseline_rps:.0f}/s")
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()

    stored = InboundEvent.objects.filter(integration_id=integration.id).count()
    accepted = warm_ok + hub_ok + paced_ok  # every 2xx the receiver gave, warm-up included
    log("cleaning up the bench company, its events and logs, and the unprocessed queue messages")
    IntegrationLog.objects.filter(company_id=company.id).delete()
    company.delete()
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("inbound")
    print(
        json.dumps(
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
    )


if __name__ == "__main__":
    main()
