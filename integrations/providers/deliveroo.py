"""Deliveroo: API credentials; webhooks signed X-Deliveroo-Hmac-Sha256 over "<sequence guid> <body>"."""

from collections.abc import Mapping
from typing import Any

from integrations.providers.base import (
    CheckResult,
    ConfigField,
    InboundRequest,
    ParsedEvent,
    Provider,
    SignatureInvalid,
    api_url,
    http_check,
    json_object,
)
from integrations.providers.schemes import BodyHmac

GUID_HEADER = "X-Deliveroo-Sequence-Guid"


class DeliverooSignature(BodyHmac):
    name = "deliveroo-hmac-sha256"
    summary = f"X-Deliveroo-Hmac-Sha256: hex HMAC-SHA256 of '<{GUID_HEADER}> <raw body>'"
    header = "X-Deliveroo-Hmac-Sha256"

    def signed_bytes(self, request: InboundRequest) -> bytes:
        guid = request.header(GUID_HEADER)
        if not guid:
            raise SignatureInvalid(f"The {GUID_HEADER} header is missing.")
        return guid.encode() + b" " + request.body

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        topic = str(payload.get("event") or "unknown")
        return ParsedEvent(topic=topic, event_id=request.header(GUID_HEADER), payload=payload)


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(api_url(values, f"order/v1/brands/{values.get('brandId', '')}/menus"))


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 140

PROVIDER = Provider(
    key="deliveroo",
    label="Deliveroo",
    category="delivery",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://api.developers.deliveroo.com"),
        ConfigField("clientId", "Client id", required=True),
        ConfigField("clientSecret", "Client secret", required=True, secret=True),
        ConfigField("brandId", "Brand id", required=True),
        ConfigField("webhookSecret", "Webhook secret", secret=True),
    ),
    check=check,
    inbound=DeliverooSignature(),
    inbound_help="Deliveroo Developer Portal → your integration → Webhooks: Order events URL = the receiver URL.",
)
