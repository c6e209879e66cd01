"""Issue 11's inbound findings through the real receiver: unreadable timestamps (5), and body-HMAC schemes that
dedupe and take the topic from unsigned headers (17)."""

import json

import pytest

from integrations.models import InboundEvent
from tests.integrations.conftest import fixture_bytes, fixture_data
from tests.support import signers as s

pytestmark = pytest.mark.django_db

WOO = {
    "baseUrl": "https://shop.example.com",
    "consumerKey": "ck",
    "consumerSecret": "cs",
    "webhookSecret": s.WOO_SECRET,
}
SHOPIFY = {"baseUrl": "https://my-shop.myshopify.com", "accessToken": "shpat_1", "webhookSecret": s.SHOPIFY_SECRET}

# (provider, config, fixture, signer, timestamp header)
TIMESTAMPED = [
    (
        "generic",
        {"baseUrl": "https://partner.example.com", "webhookSecret": s.STANDARD_SECRET},
        "order_completed.json",
        s.standard_headers,
        "webhook-timestamp",
    ),
    (
        "slack",
        {"botToken": "xoxb-1", "signingSecret": s.SLACK_SECRET},
        "message_event.json",
        s.slack_headers,
        "X-Slack-Request-Timestamp",
    ),
    (
        "sendgrid",
        {"apiKey": "SG.key", "verificationKey": s.SENDGRID_PUBLIC_KEY},
        "events_delivered_open.json",
        s.sendgrid_headers,
        "X-Twilio-Email-Event-Webhook-Timestamp",
    ),
]
UNREADABLE = ["inf", "-inf", "Infinity", "1e400", "9" * 400, "nan", "1.5e9", "\u0661\u0662\u0663", " "]


def _dumps(payload) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


# --- finding 5: a timestamp that is no number of seconds is a 401, never a 500 -------------------


@pytest.mark.parametrize("timestamp", UNREADABLE)
@pytest.mark.parametrize(
    ("provider", "config", "fixture", "sign", "header"), TIMESTAMPED, ids=["standard", "slack", "sendgrid"]
)
def test_an_unreadable_signature_timestamp_is_refused_with_401(
    company, make_integration, post_inbound, provider, config, fixture, sign, header, timestamp
):
    # given
    integration = make_integration(company, provider, config)
    body = fixture_bytes(provider, fixture)
    headers = {**sign(body), header: timestamp}
    # when
    response = post_inbound(integration.id, body, headers)
    # then
    assert response.status_code == 401, response.content
    assert response.json()["statusCode"] == 401 and "timestamp" in response.json()["message"].lower()
    assert not InboundEvent.objects.exists()


def test_a_stripe_signature_with_an_unreadable_timestamp_is_refused(company, make_integration, post_inbound):
    integration = make_integration(company, "stripe", {"secretKey": "sk_test_abc", "webhookSecret": s.STRIPE_SECRET})
    body = fixture_bytes("stripe", "payment_intent_succeeded.json")
    signed = s.stripe_headers(body)["Stripe-Signature"]
    for timestamp in ("inf", "1e400", "9" * 400):
        forged = {"Stripe-Signature": signed.replace(signed.split(",")[0], f"t={timestamp}")}
        assert post_inbound(integration.id, body, forged).status_code in (400, 401)
    assert not InboundEvent.objects.exists()


# --- finding 17: replays under fresh unsigned ids are duplicates ---------------------------------


def test_a_woocommerce_body_replayed_under_a_new_delivery_id_is_a_duplicate(company, make_integration, post_inbound):
    # given a delivery already received
    integration = make_integration(company, "woocommerce", WOO)
    body = fixture_bytes("woocommerce", "order_created.json")
    assert post_inbound(integration.id, body, s.woocommerce_headers(body, delivery_id="first")).status_code == 200
    # when the same signed bytes arrive under another X-WC-Webhook-Delivery-ID
    replay = post_inbound(integration.id, body, s.woocommerce_headers(body, delivery_id="replayed"))
    # then
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert InboundEvent.objects.count() == 1


def test_a_shopify_body_replayed_under_new_event_and_webhook_ids_is_a_duplicate(
    company, make_integration, post_inbound
):
    integration = make_integration(company, "shopify", SHOPIFY)
    body = fixture_bytes("shopify", "orders_create.json")
    first = post_inbound(integration.id, body, s.shopify_headers(body))
    replay = post_inbound(integration.id, body, s.shopify_headers(body))  # fresh X-Shopify-Event-Id/Webhook-Id
    assert first.json()["duplicate"] is False
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert InboundEvent.objects.count() == 1


# --- finding 17: a topic header that contradicts the signed payload is refused ---------------------


@pytest.mark.parametrize(
    ("fixture", "topic"),
    [
        ("order_created.json", "product.updated"),
        ("order_created.json", "action.woocommerce_payment_complete"),
        ("product_updated.json", "order.created"),
    ],
)
def test_a_woocommerce_topic_that_contradicts_the_payload_is_refused(
    company, make_integration, post_inbound, fixture, topic
):
    integration = make_integration(company, "woocommerce", WOO)
    body = fixture_bytes("woocommerce", fixture)
    response = post_inbound(integration.id, body, s.woocommerce_headers(body, topic=topic))
    assert response.status_code == 400, response.content
    assert "X-WC-Webhook-Topic" in response.json()["message"]
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize(
    ("fixture", "topic"),
    [("order_created.json", "order.updated"), ("product_updated.json", "product.updated")],
)
def test_a_woocommerce_topic_that_agrees_with_the_payload_is_stored(
    company, make_integration, post_inbound, fixture, topic
):
    integration = make_integration(company, "woocommerce", WOO)
    body = fixture_bytes("woocommerce", fixture)
    response = post_inbound(integration.id, body, s.woocommerce_headers(body, topic=topic))
    assert response.status_code == 200, response.content
    assert InboundEvent.objects.get().topic == topic


def test_a_woocommerce_deletion_carries_only_an_id_and_is_accepted(company, make_integration, post_inbound):
    integration = make_integration(company, "woocommerce", WOO)
    body = _dumps({"id": 727})
    response = post_inbound(integration.id, body, s.woocommerce_headers(body, topic="order.deleted"))
    assert response.status_code == 200, response.content
    assert InboundEvent.objects.get().provider_event_id.startswith("727:sha256:")


@pytest.mark.parametrize("topic", ["products/update", "customers/create", "app/uninstalled"])
def test_a_shopify_topic_that_contradicts_the_payload_is_refused(company, make_integration, post_inbound, topic):
    integration = make_integration(company, "shopify", SHOPIFY)
    body = fixture_bytes("shopify", "orders_create.json")  # an Order (admin_graphql_api_id)
    response = post_inbound(integration.id, body, {**s.shopify_headers(body), "X-Shopify-Topic": topic})
    assert response.status_code == 400, response.content
    assert "X-Shopify-Topic" in response.json()["message"]
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize(
    ("payload", "topic"),
    [
        ({"id": 7, "admin_graphql_api_id": "gid://shopify/Product/7", "title": "Hat"}, "orders/create"),
        ({"id": 8, "admin_graphql_api_id": "gid://shopify/Customer/8"}, "orders/cancelled"),
    ],
)
def test_a_shopify_order_topic_on_another_resource_is_refused(company, make_integration, post_inbound, payload, topic):
    integration = make_integration(company, "shopify", SHOPIFY)
    body = _dumps(payload)
    response = post_inbound(integration.id, body, {**s.shopify_headers(body), "X-Shopify-Topic": topic})
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    ("payload", "topic"),
    [
        (fixture_data("shopify", "orders_create.json"), "orders/updated"),
        ({"id": 9, "admin_graphql_api_id": "gid://shopify/OnlineStoreTheme/9"}, "themes/publish"),
        ({"id": 10}, "products/delete"),
    ],
)
def test_a_shopify_topic_that_agrees_or_cannot_be_compared_is_stored(
    company, make_integration, post_inbound, payload, topic
):
    integration = make_integration(company, "shopify", SHOPIFY)
    body = _dumps(payload)
    response = post_inbound(integration.id, body, {**s.shopify_headers(body), "X-Shopify-Topic": topic})
    assert response.status_code == 200, response.content
    assert InboundEvent.objects.get().topic == topic
