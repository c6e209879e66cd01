"""Demo integration logs: a few hundred realistic operations of the last two weeks, and some request logs.

integrations/demo.py links them to the demo integrations of their platform once those exist.
"""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import Company
from logs.models import ApiRequestLog, IntegrationLog
from logs.services import LogEntry, log_record_many

DEMO_LOGS = 360
# (integration type, external id, SKU prefix, metadata of a success)
_PLATFORMS = [
    ("woocommerce", lambda p: str(7000 + p), "WC", lambda p: {"wooCommerceUrl": f"https://shop.example/product/{p}"}),
    ("shopify", lambda p: str(8_123_456_000 + p), "SH", lambda p: {"handle": f"demo-product-{p}", "variants": 2}),
    ("amazon", lambda p: f"B0{p:08d}", "AMZ", lambda p: {"marketplace": "ATVPDKIKX0DER", "asinStatus": "ACTIVE"}),
]
_LABELS = {"woocommerce": "WooCommerce", "shopify": "Shopify", "amazon": "Amazon"}
# "{platform}" is the log's own platform (a Shopify log never blames WooCommerce).
_ERRORS = [
    ("Failed to connect to {platform} API", {"error": "Connection timeout", "code": "ECONNRESET"}),
    ("Rate limited by the provider", {"error": "Too Many Requests", "code": "HTTP_429", "retryAfter": 30}),
    ("Invalid product data: price is required", {"error": "Validation failed", "code": "HTTP_400", "field": "price"}),
    ("Authentication failed", {"error": "Unauthorized", "code": "HTTP_401"}),
]
_VERBS = {
    "export": "exported to",
    "import": "imported from",
    "update": "updated in",
    "delete": "deleted from",
    "webhook": "webhook received from",
    "sync": "synced with",
}


def seed(company: Company) -> None:
    """Record DEMO_LOGS integration logs for the company once (idempotent)."""
    if IntegrationLog.objects.filter(company=company, metadata__demo=True).exists():
        return
    rng = random.Random(42)  # the same demo every time
    now = timezone.now()
    entries = []
    for k in range(DEMO_LOGS):
        itype, external, sku_prefix, meta = rng.choices(_PLATFORMS, weights=[5, 3, 2])[0]
        product = rng.randint(1, 40)
        operation = rng.choices(list(_VERBS), weights=[30, 10, 25, 5, 20, 10])[0]
        status = rng.choices(["success", "error", "pending"], weights=[88, 9, 3])[0]
        message, details = (f"Product {_VERBS[operation]} {itype}", None)
        if status == "error":
            template, details = rng.choice(_ERRORS)
            message = template.format(platform=_LABELS[itype])
        elif status == "pending":
            message = f"Product {operation} to {itype} queued"
        entries.append(
            LogEntry(
                company_id=company.id,
                integration_type=itype,
                operation=operation,
                status=status,
                message=message,
                product_id=product,
                external_product_id=external(product),
                external_sku=f"{sku_prefix}-{product:04d}",
                error_details=details,
                metadata={"demo": True, **(meta(product) if status == "success" else {})},
                user_id=1,
                timestamp=now - timedelta(minutes=k * 56 + rng.randint(0, 50)),
            )
        )
    log_record_many(entries)
    ApiRequestLog.objects.bulk_create(
        ApiRequestLog(
            company_id=company.id,
            request_id=f"demo-{k:04d}",
            method=method,
            path=path,
            status_code=code,
            duration_ms=round(rng.uniform(3, 80), 2),
            ip_address="198.51.100.10",
            user_agent="demo-partner/1.0",
            timestamp=now - timedelta(minutes=k * 7),
        )
        for k, (method, path, code) in enumerate(
            rng.choices(
                [
                    ("GET", "/api/v1/logs", 200),
                    ("GET", "/api/v1/logs/stats", 200),
                    ("POST", "/api/v1/orders", 201),
                    ("GET", "/api/v1/logs/errors", 200),
                    ("GET", "/api/v1/logs", 400),
                    ("POST", "/api/v1/orders", 401),
                ],
                weights=[30, 10, 30, 10, 3, 2],
                k=120,
            )
        )
    )
