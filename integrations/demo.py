"""Demo integrations for `manage.py seed_demo`, pointed at placeholder URLs (health is shown as it is)."""

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
    (
        "Demo Stripe",
        "stripe",
        {
            "baseUrl": "https://stripe.example.com",
            "secretKey": "sk_test_demo_placeholder_000000000000",
            "webhookSecret": "whsec_demo_placeholder_000000000000",
        },
    ),
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
