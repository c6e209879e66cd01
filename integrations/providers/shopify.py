"""Shopify: Admin API with an access token; webhooks signed base64 HMAC-SHA256 (X-Shopify-Hmac-Sha256)."""

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

API_VERSION = "2024-10"


class ShopifySignature(BodyHmac):
    name = "shopify-hmac-sha256"
    summary = "X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the app's client secret"
    header = "X-Shopify-Hmac-Sha256"
    encoding = "base64"

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        # X-Shopify-Event-Id names the event across retries; older deliveries carry only the webhook id.
        event_id = (
            request.header("X-Shopify-Event-Id") or request.header("X-Shopify-Webhook-Id") or body_digest_id(request)
        )
        return ParsedEvent(topic=request.header("X-Shopify-Topic") or "unknown", event_id=event_id, payload=payload)


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
