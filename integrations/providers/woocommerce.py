"""WooCommerce: REST API v3 with consumer key/secret; webhooks signed base64 HMAC-SHA256."""

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


class WooCommerceSignature(BodyHmac):
    name = "woocommerce-hmac-sha256"
    summary = "X-WC-Webhook-Signature: base64 HMAC-SHA256 of the raw body with the webhook's secret"
    header = "X-WC-Webhook-Signature"
    encoding = "base64"

    def unsigned_reply(self, request: InboundRequest) -> dict[str, Any] | None:
        # WooCommerce pings a new webhook with an unsigned form body "webhook_id=<n>" and
        # disables the webhook unless the URL answers 2xx; nothing is stored for it.
        if request.header(self.header) or not request.body.startswith(b"webhook_id="):
            return None
        return {"received": True, "ping": True}

    def parse(self, request: InboundRequest) -> ParsedEvent:
        # Only the body is signed: the topic header is checked against it, and the event id
        # comes from it (X-WC-Webhook-Delivery-ID could be changed to replay a delivery).
        payload = json_object(request)
        topic = request.header("X-WC-Webhook-Topic") or "unknown"
        found = payload_resource(payload)
        resource = topic.partition(".")[0]
        claimed = resource if resource in _RESOURCE_KEYS else None
        if claimed is None and found is not None and request.header("X-WC-Webhook-Topic"):
            claimed = resource  # e.g. action.* carrying an order: not what the topic says
        refuse_contradicting_topic(header="X-WC-Webhook-Topic", topic=topic, claimed=claimed, found=found)
        return ParsedEvent(topic=topic, event_id=body_event_id(request, payload), payload=payload)


# Keys only one REST v3 resource carries; a deletion's payload ({"id": …}) shows none.
_RESOURCE_KEYS = {
    "order": ("order_key", "line_items"),
    "product": ("regular_price", "stock_status"),
    "customer": ("username", "is_paying_customer"),
    "coupon": ("discount_type", "usage_limit"),
}
_SELF_LINK = re.compile(r"/wc/v\d+/(orders|products|customers|coupons)/")


def payload_resource(payload: dict[str, Any]) -> str | None:
    """Return the resource a webhook payload is (order, product, customer, coupon), or None when unclear."""
    links = payload.get("_links")
    if isinstance(links, dict) and isinstance(links.get("self"), list) and links["self"]:
        first = links["self"][0]
        match = _SELF_LINK.search(str(first.get("href", ""))) if isinstance(first, dict) else None
        if match:
            return match.group(1)[:-1]
    found = [name for name, keys in _RESOURCE_KEYS.items() if any(k in payload for k in keys)]
    return found[0] if len(found) == 1 else None


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(
        api_url(values, "wp-json/wc/v3/system_status"),
        auth=(str(values.get("consumerKey", "")), str(values.get("consumerSecret", ""))),
    )


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 10

PROVIDER = Provider(
    key="woocommerce",
    label="WooCommerce",
    category="commerce",
    fields=(
        ConfigField("baseUrl", "Store URL", kind="url", required=True, help="e.g. https://shop.example.com"),
        ConfigField("consumerKey", "Consumer key", required=True, secret=True),
        ConfigField("consumerSecret", "Consumer secret", required=True, secret=True),
        ConfigField("webhookSecret", "Webhook secret", secret=True, help="The Secret of the WooCommerce webhook."),
    ),
    check=check,
    inbound=WooCommerceSignature(),
    inbound_help=(
        "WooCommerce → Settings → Advanced → Webhooks → Add webhook: Delivery URL = the receiver URL, "
        "Secret = this integration's webhookSecret, API version WP REST API v3."
    ),
)
