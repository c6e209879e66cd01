"""Demo integrations for `manage.py seed_demo`.

The sandbox gateway answers in-process, so demo payments and refunds succeed offline; the
commerce and chat integrations point at placeholder URLs (their health is shown as it is),
and the partner integration's receiver is where the demo webhook endpoint delivers.
"""

from accounts.models import Company
from integrations import services
from integrations.models import Integration
from logs.models import IntegrationLog

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
        "Demo Shopify store",
        "shopify",
        {"baseUrl": "https://demo-shop.example.com", "accessToken": "shpat_demo_placeholder_000000000000"},
    ),
    (
        "Demo Amazon seller",
        "amazon",
        {
            "baseUrl": "https://sellingpartnerapi.example.com",
            "sellerId": "A1DEMOSELLER",
            "clientId": "amzn1.application-oa2-client.demo",
            "clientSecret": "amzn-demo-placeholder-secret-0000",
            "refreshToken": "Atzr|demo-placeholder-refresh-token",
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
    # The demo logs (logs/demo.py, seeded first) belong to these integrations: link them, so an
    # integration's own log list (GET integrations/{id}/logs) and the admin show them.
    for integration in Integration.objects.filter(company=company, name__in=[name for name, _, _ in DEMO]):
        IntegrationLog.objects.filter(
            company=company, integration_type=integration.provider, integration_id__isnull=True, metadata__demo=True
        ).update(integration_id=integration.id)


def sandbox_gateway(company: Company) -> Integration | None:
    """Return the demo company's sandbox integration (what its demo payments are linked to), if seeded."""
    return Integration.objects.filter(company=company, provider="sandbox").order_by("created_at").first()
