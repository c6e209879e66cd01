"""Benchmark of bulk messaging: a 10,000-recipient bulk job through the sandbox provider, accept → every message sent.

Against real PostgreSQL and Redis (DATABASE_URL / REDIS_URL): a fresh bench database, one
Celery worker on the messaging queues, then
1. POST /api/v1/messages/bulk with 10,000 recipients, each with its own template data (202),
   timed from the 202 until every message is `sent` (rps);
2. the same number of Celery no-op tasks (`celery.accumulate`) on the same worker and queue,
   timed from the first publish until the queue and its unacknowledged set are empty
   (baseline_rps);
and prints one JSON line: {"bench": "messaging", "rps", "baseline_rps", "ratio", ...}.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, django_setup, emit, log, use_bench_database  # noqa: E402

RECIPIENTS = 10_000


def start_worker(concurrency: int) -> subprocess.Popen:
    from django.conf import settings

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            f"messaging,{settings.MESSAGING_URGENT_QUEUE}",
            "-c",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.time() + 90
    assert proc.stdout is not None
    for line in proc.stdout:
        if "ready." in line:
            break
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("the worker did not start")
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc


def wait_until(predicate, *, timeout: float, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(every)


def bulk_run(api_key: str, company_id) -> tuple[float, float]:
    """Return (seconds to the 202, seconds from the 202 to the last message sent)."""
    from rest_framework.test import APIClient

    from messaging.models import Message

    recipients = [{"email": f"buyer{i}@example.com", "data": {"customerName": f"Buyer {i}"}} for i in range(RECIPIENTS)]
    body = {
        "channel": "email",
        "template": "order_confirmation",
        "data": {"orderNumber": "12345", "total": "42.50", "currency": "AED"},
        "recipients": recipients,
    }
    started = time.monotonic()
    response = APIClient().post("/api/v1/messages/bulk", body, format="json", HTTP_X_API_KEY=api_key)
    accepted = time.monotonic()
    assert response.status_code == 202, response.content[:500]
    job_id = response.json()["id"]
    sent = Message.objects.filter(company_id=company_id, bulk_job_id=job_id, status="sent")
    wait_until(lambda: sent.count() >= RECIPIENTS, timeout=1800, every=0.25)
    return accepted - started, time.monotonic() - accepted


def baseline_run() -> float:
    """Return the seconds to run RECIPIENTS no-op tasks on the messaging queue."""
    from accounts.redis_client import get_redis
    from config.celery_app import app

    redis = get_redis()
    started = time.monotonic()
    with app.producer_or_acquire() as producer:
        for _ in range(RECIPIENTS):
            app.send_task("celery.accumulate", args=(1,), queue="messaging", producer=producer)
    # kombu's Redis transport: the queue is a list; delivered-but-unacknowledged tasks sit in "unacked".
    wait_until(lambda: redis.llen("messaging") == 0 and redis.hlen("unacked") == 0, timeout=600, every=0.02)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=2, help="prefork children of the worker")
    args = parser.parse_args()
    use_bench_database("messaging")
    os.environ["HUB_ALLOW_LOCAL_TARGETS"] = "1"
    django_setup()
    from accounts import services as account_services
    from accounts.redis_client import get_redis
    from messaging import demo
    from messaging.models import MessagingSettings

    get_redis().delete("messaging", "unacked", "unacked_index")
    company = account_services.company_create(name="Bench Messaging", slug="bench-messaging")
    _, api_key = account_services.api_key_create(
        company=company, name="bench", scopes=["messages:send"], rate_limit=100_000, created_by=None
    )
    demo.seed(company)  # the built-in templates and the sandbox provider
    # The limits are what is measured against otherwise (100 emails a minute): lift them for throughput.
    MessagingSettings.objects.create(company=company, email_per_minute=1_000_000)
    log(f"starting a worker with {args.concurrency} processes")
    worker = start_worker(args.concurrency)
    try:
        log(f"bulk job of {RECIPIENTS} recipients …")
        accept_s, send_s = bulk_run(api_key, company.id)
        rps = RECIPIENTS / send_s
        log(f"accepted in {accept_s:.1f} s, all sent {send_s:.1f} s later: {rps:.0f} messages/s")
        log(f"baseline: {RECIPIENTS} no-op tasks …")
        base_s = baseline_run()
        baseline_rps = RECIPIENTS / base_s
        log(f"baseline: {base_s:.1f} s, {baseline_rps:.0f} tasks/s")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    emit(
        {
            "bench": "messaging",
            "recipients": RECIPIENTS,
            "rps": round(rps, 1),
            "baseline_rps": round(baseline_rps, 1),
            "ratio": round(rps / baseline_rps, 3),
            "accept_seconds": round(accept_s, 2),
            "concurrency": args.concurrency,
        }
    )


if __name__ == "__main__":
    main()
