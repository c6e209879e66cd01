"""Demo integrations for `manage.py seed_demo`.

The sandbox gateway answers in-process, so demo payments and refunds succeed offline; the
commerce and chat integrations point at placeholder URLs (their health is shown as it is),
and the partner integration's receiver is where the demo webhook endpoint delivers.
"""

from accounts.models import Company
from integrations import services
from integrations.models import Integration

DEMO = [
    (
        "Demo WooCommerce store",
        "woocommerce",
        {
            "baseUrl": "https://shop.example.com",
            "consumerKey": "ck_demo_placeholder_0000000000000000",
            "consumerSecret": "cs_demo_placeholder_0000000000000000",
            "webhookSecret": "demo-woocommerce-webhook-secret",
        },
    ),
    ("Demo sandbox gateway", "sandbox", {"webhookSecret": "whsec_ZGVtby1zYW5kYm94LXNlY3JldC0wMDAwMDA="}),
    (
        "Demo Slack",
        "slack",
        {"baseUrl": "https://slack.example.com", "botToken": "xoxb-demo-placeholder", "defaultChannel": "#orders"},
    ),
    (
        "Demo partner (Standard Webhooks)",
        "generic",
        {"baseUrl": "https://partner.example.com", "webhookSecret": "whsec_ZGVtby1wYXJ0bmVyLXNlY3JldC0wMDAwMDA="},
    ),
]


def seed(company: Company) -> None:
    """Create the demo integrations once (health stays 'unknown' until a check runs against example.com)."""
    for name, provider, config in DEMO:
        if Integration.objects.filter(company=company, name=name).exists():
            continue
        services.integration_create(company_id=company.id, name=name, provider=provider, config=config)


def sandbox_gateway(company: Company) -> Integration | None:
    """Return the demo company's sandbox integration (what its demo payments are linked to), if seeded."""
    return Integration.objects.filter(company=company, provider="sandbox").order_by("created_at").first()
