"""Shopify: Admin API with an access token; webhooks signed base64 HMAC-SHA256 (X-Shopify-Hmac-Sha256)."""

import re
from collections.abc import Mapping
from typing import Any

from integrations.providers.base import (
    CheckResult,
    ConfigField,
    InboundRequest,
    ParsedEvent,
    Provider,
    api_url,
    http_check,
    json_object,
)
from integrations.providers.schemes import BodyHmac, body_event_id, refuse_contradicting_topic

API_VERSION = "2024-10"


class ShopifySignature(BodyHmac):
    name = "shopify-hmac-sha256"
    summary = "X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the app's client secret"
    header = "X-Shopify-Hmac-Sha256"
    encoding = "base64"

    def parse(self, request: InboundRequest) -> ParsedEvent:
        # Only the body is signed: X-Shopify-Topic is checked against the payload's own
        # admin_graphql_api_id, and the event id comes from the body (X-Shopify-Event-Id and
        # X-Shopify-Webhook-Id could be changed to replay a delivery; a retry repeats the body).
        payload = json_object(request)
        topic = request.header("X-Shopify-Topic") or "unknown"
        resource = topic.partition("/")[0]
        found = _GID.match(str(payload.get("admin_graphql_api_id") or ""))
        found_type = found.group(1) if found else None
        claimed = _TOPIC_RESOURCES.get(resource)
        if claimed is None and found_type in _TOPIC_RESOURCES.values():
            claimed = resource  # a topic outside the table never carries one of its types
        refuse_contradicting_topic(header="X-Shopify-Topic", topic=topic, claimed=claimed, found=found_type)
        return ParsedEvent(topic=topic, event_id=body_event_id(request, payload), payload=payload)


# Topic resources whose payloads name their type in admin_graphql_api_id (gid://shopify/<Type>/<id>).
# Topics outside this table are compared only when the payload is one of these types.
_TOPIC_RESOURCES = {
    "orders": "Order",
    "draft_orders": "DraftOrder",
    "products": "Product",
    "customers": "Customer",
    "refunds": "Refund",
    "fulfillments": "Fulfillment",
    "collections": "Collection",
    "inventory_items": "InventoryItem",
    "order_transactions": "OrderTransaction",
}
_GID = re.compile(r"gid://shopify/([A-Za-z]+)/")


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(
        api_url(values, f"admin/api/{API_VERSION}/shop.json"),
        headers={"X-Shopify-Access-Token": str(values.get("accessToken", ""))},
    )


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 20

PROVIDER = Provider(
    key="shopify",
    label="Shopify",
    category="commerce",
    fields=(
        ConfigField("baseUrl", "Shop URL", kind="url", required=True, help="e.g. https://my-shop.myshopify.com"),
        ConfigField("accessToken", "Admin API access token", required=True, secret=True),
        ConfigField("webhookSecret", "App client secret", secret=True, help="Shopify signs webhooks with it."),
    ),
    check=check,
    inbound=ShopifySignature(),
    inbound_help=(
        "Register a webhook subscription (Admin API webhookSubscriptionCreate or the app's shopify.app.toml) "
        "with the receiver URL as its callbackUrl; webhookSecret = the app's client secret."
    ),
)
