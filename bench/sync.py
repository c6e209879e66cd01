"""Sync throughput: a full WooCommerce pull, an incremental re-pull and a push, against a loopback stand-in.

Baseline: paging through the same stand-in with the same client and nothing else (the
provider's share of the time), measured in the same run. Runs the engine in this process
(the Celery hop adds one message per run, not per record) on a fresh bench database.
Progress to stderr, one JSON line on stdout.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import django_setup, emit, log, use_bench_database  # noqa: E402

PRODUCTS = int(os.environ.get("BENCH_SYNC_PRODUCTS", 2000))
CUSTOMERS = int(os.environ.get("BENCH_SYNC_CUSTOMERS", 500))
CHANGED = 100  # remote products edited before the incremental pull
PUSHED = 200  # our new products sent by the push
BATCH = 100
DEADLINE = time.monotonic() + 600


def timed(label: str, fn):
    started = time.monotonic()
    result = fn()
    seconds = time.monotonic() - started
    log(f"{label}: {seconds:.2f} s")
    if time.monotonic() > DEADLINE:
        sys.exit("bench/sync.py ran past its 10-minute bound")
    return seconds, result


def main() -> None:
    os.environ["HUB_ALLOW_LOCAL_TARGETS"] = "1"  # the stand-in listens on 127.0.0.1
    use_bench_database("sync")
    django_setup()
    from decimal import Decimal

    from accounts.models import Company
    from integrations import services as integration_services
    from orders import services as order_services
    from sync import services
    from sync.clients import client_for
    from sync.models import SyncRun
    from tests.sync.conftest import WOO_KEY, WOO_SECRET, WooCommerce

    woo = WooCommerce()
    try:
        for n in range(PRODUCTS):
            woo.add_product(name=f"Product {n}", sku=f"SKU-{n:05d}", price=f"{10 + n % 50}.00")
        for n in range(CUSTOMERS):
            woo.add_customer(first=f"First{n}", last="Last", email=f"c{n}@example.com", phone=f"+9715{n:08d}")
        company = Company.objects.create(name="Bench")
        integration = integration_services.integration_create(
            company_id=company.id,
            name="Bench shop",
            provider="woocommerce",
            config={"baseUrl": woo.url, "consumerKey": WOO_KEY, "consumerSecret": WOO_SECRET},
        )
        log(f"stand-in: {PRODUCTS} products, {CUSTOMERS} customers at {woo.url}")

        def fetch_only() -> int:
            client = client_for("woocommerce", integration.values())
            return sum(
                len(page.records)
                for kind in ("products", "customers")
                for page in client.pages(kind, modified_after=None, batch_size=BATCH)
            )

        def run(direction: str) -> SyncRun:
            started = services.sync_start(
                integration=integration,
                sync_type="full",
                direction=direction,
                batch_size=BATCH,
                triggered_by="schedule",
            )
            services.sync_execute(run_id=started.id)
            started.refresh_from_db()
            assert started.status == "completed", started.error
            return started

        baseline_s, fetched = timed("baseline: page through the stand-in only", fetch_only)
        full_s, full = timed("full pull", lambda: run("pull"))
        for n in range(CHANGED):
            woo.touch("products", 1001 + n, name=f"Product {n} (renamed)")
        incremental_s, incremental = timed("incremental pull (all records inside the overlap)", lambda: run("pull"))
        for n in range(PUSHED):
            order_services.product_upsert(
                company_id=company.id, sku=f"HUB-{n:04d}", name=f"Hub product {n}", price=Decimal("5")
            )
        push_s, push = timed("push of new hub products", lambda: run("push"))
    finally:
        woo.close()

    records = PRODUCTS + CUSTOMERS
    emit(
        {
            "bench": "sync",
            "products": PRODUCTS,
            "customers": CUSTOMERS,
            "batch_size": BATCH,
            "baseline_fetch_only_s": round(baseline_s, 2),
            "baseline_records_per_s": round(fetched / baseline_s),
            "full_pull_s": round(full_s, 2),
            "full_pull_records_per_s": round(records / full_s),
            "full_pull_created": full.counts["products"]["created"] + full.counts["customers"]["created"],
            "incremental_pull_s": round(incremental_s, 2),
            "incremental_updated": incremental.counts["products"]["updated"],
            "incremental_unchanged": incremental.counts["products"]["unchanged"]
            + incremental.counts["customers"]["unchanged"],
            "push_s": round(push_s, 2),
            "pushed": push.counts["products"]["pushed"],
            "push_unchanged": push.counts["products"]["unchanged"] + push.counts["customers"]["unchanged"],
        }
    )


if __name__ == "__main__":
    main()
