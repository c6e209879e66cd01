"""An inbound order the hub refuses is a failed event with an error log, never "processed" with a success."""

import json

import pytest

from integrations import services as integration_services
from integrations.models import InboundEvent
from logs.models import IntegrationLog
from orders.models import Order
from tests.support import signers as s
from tests.support.payloads import FIXTURES

pytestmark = pytest.mark.django_db


def test_a_shopify_order_that_does_not_add_up_leaves_a_failed_event_and_no_success_log(post_inbound, company):
    # given a signed Shopify order whose total the hub refuses
    integration = integration_services.integration_create(
        company_id=company.id,
        name="shop",
        provider="shopify",
        config={
            "baseUrl": "https://my-shop.myshopify.com",
            "accessToken": "shpat_1",
            "webhookSecret": s.SHOPIFY_SECRET,
        },
    )
    payload = json.loads((FIXTURES / "shopify" / "orders_create.json").read_text())
    payload["total_price"] = "99.99"
    body = json.dumps(payload, separators=(",", ":")).encode()
    assert post_inbound(integration.id, body, s.shopify_headers(body)).status_code == 200

    # when the stored event is processed
    event = InboundEvent.objects.get(integration=integration)
    outcome = integration_services.inbound_event_process(event_id=event.id)

    # then it is failed with the reason, not retried, and no log claims success for it
    event.refresh_from_db()
    assert (outcome.status, outcome.retryable) == ("failed", False)
    assert event.status == "failed" and "rejected" in event.error
    assert not Order.objects.filter(company=company).exists()
    webhook_logs = IntegrationLog.objects.filter(company=company, operation="webhook")
    assert not webhook_logs.filter(message__startswith="Processed").exists()
    assert webhook_logs.filter(status="error", message__contains="not applied").count() == 1
