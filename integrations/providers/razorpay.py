"""Razorpay: key id/secret for the API; webhooks signed X-Razorpay-Signature (hex HMAC-SHA256)."""

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
from integrations.providers.schemes import BodyHmac, require_fields


class RazorpaySignature(BodyHmac):
    name = "razorpay-hmac-sha256"
    summary = "X-Razorpay-Signature: hex HMAC-SHA256 of the raw body with the webhook secret"
    header = "X-Razorpay-Signature"

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        require_fields(payload, "event")
        event_id = request.header("X-Razorpay-Event-Id") or body_digest_id(request)
        return ParsedEvent(topic=str(payload["event"]), event_id=event_id, payload=payload)


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(
        api_url(values, "v1/payments?count=1"), auth=(str(values.get("keyId", "")), str(values.get("keySecret", "")))
    )


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 80

PROVIDER = Provider(
    key="razorpay",
    label="Razorpay",
    category="payments",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://api.razorpay.com"),
        ConfigField("keyId", "Key id", required=True),
        ConfigField("keySecret", "Key secret", required=True, secret=True),
        ConfigField("webhookSecret", "Webhook secret", secret=True),
    ),
    check=check,
    inbound=RazorpaySignature(),
    inbound_help=(
        "Razorpay Dashboard → Accounts & Settings → Webhooks → Add: URL = the receiver URL, Secret = webhookSecret."
    ),
)
