"""Demo integrations for `manage.py seed_demo`.

The sandbox gateway answers in-process, so demo payments and refunds succeed offline; the
commerce and chat integrations point at placeholder URLs (their health is shown as it is),
and the partner integration's receiver is where the demo webhook endpoint delivers.
Every secret is generated per install: a fixed one, published in the repository, would let
anyone post signed events to a demo hub's receivers.
"""

import base64
import secrets
from collections.abc import Callable

from accounts.models import Company
from integrations import services
from integrations.models import Integration
from logs.models import IntegrationLog


def _token(prefix: str = "") -> Callable[[], str]:
    return lambda: prefix + secrets.token_urlsafe(32)


def _standard_webhooks_secret() -> str:
    # Standard Webhooks secrets are whsec_ plus base64 of the key bytes.
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


# Values that are callables are generated at seeding time.
DEMO: list[tuple[str, str, dict[str, str | Callable[[], str]]]] = [
    (
        "Demo WooCommerce store",
        "woocommerce",
        {
            "baseUrl": "https://shop.example.com",
            "consumerKey": _token("ck_"),
            "consumerSecret": _token("cs_"),
            "webhookSecret": _token(),
        },
    ),
    (
        "Demo Shopify store",
        "shopify",
        {"baseUrl": "https://demo-shop.example.com", "accessToken": _token("shpat_")},
    ),
    (
        "Demo Amazon seller",
        "amazon",
        {
            "baseUrl": "https://sellingpartnerapi.example.com",
            "sellerId": "A1DEMOSELLER",
            "clientId": "amzn1.application-oa2-client.demo",
            "clientSecret": _token("amzn-"),
            "refreshToken": _token("Atzr|"),
        },
    ),
    ("Demo sandbox gateway", "sandbox", {"webhookSecret": _standard_webhooks_secret}),
    (
        "Demo Slack",
        "slack",
        {"baseUrl": "https://slack.example.com", "botToken": _token("xoxb-"), "defaultChannel": "#orders"},
    ),
    (
        "Demo partner (Standard Webhooks)",
        "generic",
        {"baseUrl": "https://partner.example.com", "webhookSecret": _standard_webhooks_secret},
    ),
]


def seed(company: Company) -> None:
    """Create the demo integrations once (health stays 'unknown' until a check runs against example.com)."""
    for name, provider, config in DEMO:
        if Integration.objects.filter(company=company, name=name).exists():
            continue
        values = {key: value() if callable(value) else value for key, value in config.items()}
        services.integration_create(company_id=company.id, name=name, provider=provider, config=values)
    # The demo logs (logs/demo.py, seeded first) belong to these integrations: link them, so an
    # integration's own log list (GET integrations/{id}/logs) and the admin show them.
    for integration in Integration.objects.filter(company=company, name__in=[name for name, _, _ in DEMO]):
        IntegrationLog.objects.filter(
            company=company, integration_type=integration.provider, integration_id__isnull=True, metadata__demo=True
        ).update(integration_id=integration.id)


def sandbox_gateway(company: Company) -> Integration | None:
    """Return the demo company's sandbox integration (what its demo payments are linked to), if seeded."""
    return Integration.objects.filter(company=company, provider="sandbox").order_by("created_at").first()
