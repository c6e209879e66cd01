"""Demo integrations for `manage.py seed_demo`, pointed at placeholder URLs (health is shown as it is).

Every secret is generated per install: a fixed one, published in the repository, would let
anyone post signed events to a demo hub's receivers.
"""

import base64
import secrets
from collections.abc import Callable

from accounts.models import Company
from integrations import services
from integrations.models import Integration


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
        "Demo Stripe",
        "stripe",
        {"baseUrl": "https://stripe.example.com", "secretKey": _token("sk_test_"), "webhookSecret": _token("whsec_")},
    ),
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
