"""WooCommerce: REST API v3 with consumer key/secret; webhooks signed base64 HMAC-SHA256."""

from collections.abc import Mapping
from typing import Any

from integrations.providers.base import (
    CheckResult,
    ConfigField,
    InboundRequest,
    ParsedEvent,
    Provider,
    api_url,
    body_digest_id,
    http_check,
    json_object,
)
from integrations.providers.schemes import BodyHmac


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
        payload = json_object(request)
        topic = request.header("X-WC-Webhook-Topic") or "unknown"
        event_id = request.header("X-WC-Webhook-Delivery-ID") or body_digest_id(request)
        return ParsedEvent(topic=topic, event_id=event_id, payload=payload)


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
