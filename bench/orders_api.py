"""Benchmark: create-order requests/s through gunicorn vs a bare Django view inserting one row.

The hub path is the real one: X-API-Key authentication, the per-key rate limit in Redis,
validation (phone, items, totals), the order, its items, customer, history row and an
order.created event with one delivery row (transactional outbox, enqueued on commit). The
baseline is a plain Django view in the same gunicorn, parsing the JSON body and inserting
one row. Both run in alternating rounds within one run against real PostgreSQL and Redis.

Run:  DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/orders_api.py
Prints progress to stderr and one JSON line on stdout: bench, rps, baseline_rps, ratio, ...
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE_TABLE = "bench_orders_baseline"
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "6"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
MAX_REQUESTS_PER_ROUND = 200_000  # a bound on every loop, whatever the speed


def log(message: str) -> None:
    print(f"[orders_api] {message}", file=sys.stderr, flush=True)


# --- the WSGI side: gunicorn imports this module as `orders_api` ------------------------


def baseline_view(request: Any) -> Any:
    """The baseline: parse the JSON body and insert one row, nothing else."""
    from django.db import connection
    from django.http import JsonResponse

    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BASELINE_TABLE} (external_id, body, created_at) VALUES (%s, %s, now()) RETURNING id",  # noqa: S608
            [body.get("externalOrderId", ""), json.dumps(body)],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


def auth_only_view() -> Any:
    """A reference point: a DRF view with the hub's API-key auth, scopes and rate limit that writes nothing."""
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class AuthOnly(APIView):
        required_scopes = ["orders:write"]

        def post(self, request: Any) -> Any:
            return Response({"ok": True}, status=201)

    return AuthOnly.as_view()


def __getattr__(name: str) -> Any:
    """Serve as the bench server's ROOT_URLCONF: the project's routes plus the reference views."""
    if name == "urlpatterns":
        from django.urls import path
        from django.views.decorators.csrf import csrf_exempt

        from config.urls import urlpatterns

        return [
            path("bench/baseline", csrf_exempt(baseline_view)),
            path("bench/auth-only", auth_only_view()),
            *urlpatterns,
        ]
    raise AttributeError(name)


def application(environ: dict, start_response: Any) -> Any:
    """The WSGI entry point gunicorn serves (Django with this module as the URLconf)."""
    global _django_app
    if _django_app is None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        from django.conf import settings
        from django.core.wsgi import get_wsgi_application

        settings.ROOT_URLCONF = "orders_api"
        _django_app = get_wsgi_application()
    return _django_app(environ, start_response)


_django_app = None


# --- the driver ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_data() -> tuple[str, str]:
    """Create the bench company, its API key (high limit) and a subscriber; return (company id, raw key)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts import services as account_services
    from accounts.models import Company
    from webhooks.models import Endpoint

    call_command("migrate", verbosity=0, interactive=False)
    Company.objects.filter(slug="bench-orders").delete()
    company = account_services.company_create(name="Bench Orders", slug="bench-orders")
    _, raw = account_services.api_key_create(
        company=company, name="bench", scopes=["orders:read", "orders:write"], rate_limit=10_000_000
    )
    # A subscriber, so each order also writes a delivery and enqueues it (no worker runs: it waits).
    Endpoint.objects.create(
        company=company, name="bench", url="https://subscriber.example/hook", events=["order.*"], secret="whsec_x"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} "
            "(id bigserial PRIMARY KEY, external_id varchar(100) NOT NULL, body jsonb NOT NULL, "
            "created_at timestamptz NOT NULL)"
        )
    connection.close()
    return str(company.id), raw


def cleanup() -> None:
    from django.db import connection

    from accounts.models import Company
    from accounts.redis_client import get_redis

    Company.objects.filter(slug="bench-orders").delete()  # cascades to orders, events, deliveries
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
    redis = get_redis()
    if redis is not None:
        redis.delete("webhooks", "webhooks_sweep", "default", "unacked", "unacked_index")


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--chdir",
            str(ROOT / "bench"),
            "--pythonpath",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
            "orders_api:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def order_body(n: int) -> bytes:
    return json.dumps(
        {
            "externalOrderId": f"BENCH-{n}",
            "provider": "ubereats",
            "branchId": "branch-123",
            "orderType": "delivery",
            "items": [
                {
                    "sku": "BRG-CLS",
                    "name": "Classic burger",
                    "quantity": 2,
                    "unitPrice": "32.00",
                    "modifiers": ["cheese"],
                },
                {"name": "Cola", "quantity": 1, "unitPrice": "6.00", "modifiers": [{"name": "large", "price": "2.00"}]},
            ],
            "customerName": "John Doe",
            "customerPhone": "+971501234567",
            "deliveryAddress": "123 Main St, Dubai",
            "currency": "AED",
            "deliveryFee": "7.00",
            "total": "79.00",
        }
    ).encode()


def run_round(port: int, path: str, headers: dict[str, str], start_n: int, seconds: float) -> tuple[int, int, float]:
    """Drive `path` with CLIENTS keep-alive connections for `seconds`; return (ok, errors, elapsed)."""
    counter = iter(range(start_n, start_n + MAX_REQUESTS_PER_ROUND))
    lock = threading.Lock()
    ok = [0]
    errors = [0]
    statuses: dict[int, int] = {}
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            try:
                conn.request("POST", path, body=order_body(n), headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = 0
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    ok[0] += 1
                else:
                    errors[0] += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.monotonic() - started
    if errors[0]:
        log(f"{path}: non-201 answers {statuses}")
    return ok[0], errors[0], elapsed


def main() -> int:
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        log("set DATABASE_URL (PostgreSQL) and REDIS_URL: the bench runs against the production engines")
        return 2
    company_id, raw_key = setup_data()
    port = free_port()
    log(f"gunicorn on 127.0.0.1:{port} with {WORKERS} workers; {CLIENTS} clients; {ROUNDS}x{ROUND_SECONDS}s rounds")
    proc = start_gunicorn(port)
    hub_headers = {"Content-Type": "application/json", "X-API-Key": raw_key, "Connection": "keep-alive"}
    base_headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    totals = {"hub": [0, 0, 0.0], "baseline": [0, 0, 0.0], "auth_only": [0, 0, 0.0]}
    try:
        # warm up both paths (imports, connections) before measuring
        run_round(port, "/bench/baseline", base_headers, 0, 1.0)
        run_round(port, "/api/v1/orders", hub_headers, 10_000_000, 1.0)
        for r in range(ROUNDS):
            for name, path, headers in (
                ("baseline", "/bench/baseline", base_headers),
                ("hub", "/api/v1/orders", hub_headers),
                ("auth_only", "/bench/auth-only", hub_headers),
            ):
                ok, errors, elapsed = run_round(port, path, headers, (r + 1) * 1_000_000 + 20_000_000, ROUND_SECONDS)
                totals[name][0] += ok
                totals[name][1] += errors
                totals[name][2] += elapsed
                log(f"round {r + 1} {name}: {ok} created, {errors} errors, {ok / elapsed:.1f} req/s")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        from orders.models import Order
        from webhooks.models import Event

        orders = Order.objects.filter(company_id=company_id).count()
        events = Event.objects.filter(company_id=company_id, type="order.created").count()
        log(f"stored {orders} orders and {events} order.created events")
        cleanup()
    rps = totals["hub"][0] / totals["hub"][2]
    baseline_rps = totals["baseline"][0] / totals["baseline"][2]
    result = {
        "bench": "orders_api",
        "rps": round(rps, 1),
        "baseline_rps": round(baseline_rps, 1),
        "ratio": round(rps / baseline_rps, 3) if baseline_rps else None,
        # the same auth, scope check and rate limit with no order work: where the rest of the time goes
        "auth_only_rps": round(totals["auth_only"][0] / totals["auth_only"][2], 1),
        "hub_errors": totals["hub"][1],
        "baseline_errors": totals["baseline"][1],
        "orders_stored": orders,
        "events_stored": events,
        "workers": WORKERS,
        "clients": CLIENTS,
        "seconds_per_side": round(totals["hub"][2], 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
