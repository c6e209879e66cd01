"""Create-order requests/s through gunicorn vs a bare Django view inserting one row, in one run.

The hub path is the real POST /api/v1/orders: X-API-Key authentication, scope check, the
per-key rate limit in Redis (the bench key's limit is never reached, so the limiter runs on
every request), validation (phone, items, totals), then in one transaction the customer
upsert, the order, its items, its history row and order.created with one delivery row
(transactional outbox), the delivery enqueued on commit. The baseline is a plain Django view
in the same gunicorn that parses the JSON body and inserts one row. A third, reference
figure is a DRF view with the same auth and rate limit that writes nothing. Variants
alternate A/B/C/A/B/C against PostgreSQL and Redis; the best round of each is reported.

Goal (issue 6): ratio >= 0.5.
Run: make bench  (or scripts/with_services.sh .venv/bin/python bench/orders_api.py)
"""

import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Gunicorn, django_setup, emit, load, log, use_bench_database  # noqa: E402

DURATION = float(os.environ.get("BENCH_DURATION", "8"))
GUNICORN_WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
BASELINE_TABLE = "bench_orders_baseline"


def order_body() -> bytes:
    """A valid delivery order; a fresh externalOrderId each time (the loader forks, so no counters)."""
    return json.dumps(
        {
            "externalOrderId": f"BENCH-{uuid.uuid4().hex}",
            "provider": "ubereats",
            "branchId": "branch-123",
            "orderType": "delivery",
            "items": [
                {"sku": "BRG-CLS", "quantity": 2, "modifiers": ["extra-cheese"]},
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


# --- the bench server's URLconf (ROOT_URLCONF=bench.orders_api) ------------------------------


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


def _auth_only_view() -> Any:
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class AuthOnly(APIView):
        """The hub's API-key auth, scope check and rate limit, writing nothing."""

        required_scopes = ["orders:write"]

        def post(self, request: Any) -> Any:
            return Response({"ok": True}, status=201)

    return AuthOnly.as_view()


def __getattr__(name: str) -> Any:
    # Built on first access, inside the configured server, so running this file as a script needs no Django.
    if name == "urlpatterns":
        from django.urls import include, path
        from django.views.decorators.csrf import csrf_exempt

        return [
            path("bench/baseline", csrf_exempt(baseline_view)),
            path("bench/auth-only", _auth_only_view()),
            path("", include("config.urls")),
        ]
    raise AttributeError(name)


# --- the driver ------------------------------------------------------------------------------


def setup() -> str:
    """Create the bench company, key (limit never reached), a subscriber, a product and the baseline table."""
    from decimal import Decimal

    from django.db import connection

    from accounts import services as account_services
    from accounts.redis_client import get_redis
    from orders import services as order_services
    from webhooks.models import Endpoint

    company = account_services.company_create(name="Bench Orders", slug="bench-orders")
    _, raw = account_services.api_key_create(
        company=company, name="bench", scopes=["orders:read", "orders:write"], rate_limit=10**9
    )
    order_services.product_upsert(
        company_id=company.id, sku="BRG-CLS", name="Classic burger", price=Decimal("32.00"), currency="AED"
    )
    # A subscriber, so each order also writes a delivery row and enqueues it (no worker runs: it waits).
    Endpoint.objects.create(
        company=company, name="bench", url="https://subscriber.example/hook", events=["order.*"], secret="whsec_x"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {BASELINE_TABLE} (id bigserial PRIMARY KEY, external_id varchar(100) NOT NULL, "
            "body jsonb NOT NULL, created_at timestamptz NOT NULL)"
        )
    connection.close()
    get_redis().flushdb()
    return raw


def main() -> None:
    use_bench_database("bench_orders")
    django_setup()
    raw = setup()
    json_headers = {"Content-Type": "application/json"}
    variants = {
        "baseline": ("/bench/baseline", json_headers),
        "hub": ("/api/v1/orders", {**json_headers, "X-API-Key": raw}),
        "auth_only": ("/bench/auth-only", {**json_headers, "X-API-Key": raw}),
    }
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    log(f"orders_api: gunicorn with {GUNICORN_WORKERS} workers, {DURATION}s per round")
    with Gunicorn(workers=GUNICORN_WORKERS, env={"ROOT_URLCONF": "bench.orders_api"}) as server:
        for path, headers in variants.values():  # warm up every path
            load(server.port, path, method="POST", headers=headers, body=order_body, duration=2)
        for _ in range(2):
            for name, (path, headers) in variants.items():
                result = load(server.port, path, method="POST", headers=headers, body=order_body, duration=DURATION)
                log(name, result)
                runs[name].append(result)

    from accounts.redis_client import get_redis
    from orders.models import Order
    from webhooks.models import Delivery, Event

    orders = Order.objects.count()
    events = Event.objects.filter(type="order.created").count()
    deliveries = Delivery.objects.count()
    log(f"stored {orders} orders, {events} order.created events, {deliveries} deliveries")
    get_redis().flushdb()  # drop the enqueued deliveries no worker will send
    best = {name: max(results, key=lambda r: r["rps"]) for name, results in runs.items()}
    emit(
        {
            "bench": "orders_api",
            "rps": best["hub"]["rps"],
            "baseline_rps": best["baseline"]["rps"],
            "ratio": round(best["hub"]["rps"] / best["baseline"]["rps"], 3),
            "p50_ms": best["hub"]["p50_ms"],
            "baseline_p50_ms": best["baseline"]["p50_ms"],
            # the same auth, scope check and rate limit with no order work: where the rest of the time goes
            "auth_only_rps": best["auth_only"]["rps"],
            "errors": sum(r["errors"] for results in runs.values() for r in results),
            "orders_stored": orders,
            "events_stored": events,
        }
    )


if __name__ == "__main__":
    main()
