"""Provider orders through the real inbound receiver: signed bytes in, an order out."""

import pytest

from core import money
from integrations import services as integration_services
from integrations.models import InboundEvent
from orders.models import Order
from tests.support import signers as s
from tests.support.payloads import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("provider", "config", "fixture", "sign", "expected"),
    [
        (
            "woocommerce",
            {
                "baseUrl": "https://shop.example.com",
                "consumerKey": "ck",
                "consumerSecret": "cs",
                "webhookSecret": s.WOO_SECRET,
            },
            ("woocommerce", "order_created.json"),
            s.woocommerce_headers,
            ("5821", "66.15"),
        ),
        (
            "shopify",
            {"baseUrl": "https://my-shop.myshopify.com", "accessToken": "shpat_1", "webhookSecret": s.SHOPIFY_SECRET},
            ("shopify", "orders_create.json"),
            s.shopify_headers,
            ("5623498712345", "43.84"),
        ),
    ],
)
def test_a_signed_provider_order_webhook_becomes_an_order(
    post_inbound, company, provider, config, fixture, sign, expected
):
    # given
    integration = integration_services.integration_create(
        company_id=company.id, name=provider, provider=provider, config=config
    )
    body = fixture_bytes(*fixture)

    # when the provider posts and the stored event is processed
    response = post_inbound(integration.id, body, sign(body))
    event = InboundEvent.objects.get(integration=integration)
    outcome = integration_services.inbound_event_process(event_id=event.id)

    # then
    assert response.status_code == 200
    assert outcome.status == "processed"
    order = Order.objects.get(company=company, provider=provider)
    assert (order.external_order_id, money.as_str(order.total, order.currency)) == expected
