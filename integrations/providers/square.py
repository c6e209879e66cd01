"""Square: access token for the API; webhooks signed base64 HMAC-SHA256 of notification URL + body."""

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
from integrations.providers.schemes import BodyHmac, require_fields


class SquareSignature(BodyHmac):
    name = "square-hmac-sha256"
    summary = "x-square-hmacsha256-signature: base64 HMAC-SHA256 of notification URL + raw body"
    header = "x-square-hmacsha256-signature"
    encoding = "base64"
    secret_field = "signatureKey"

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        # Square signs the URL exactly as registered; a proxy may change what we see.
        url = str(values.get("notificationUrl") or request.url)
        super().verify(InboundRequest(request.body, request.headers, url, request.content_type), values)

    def signed_bytes(self, request: InboundRequest) -> bytes:
        return request.url.encode() + request.body

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        require_fields(payload, "event_id", "type")
        return ParsedEvent(topic=str(payload["type"]), event_id=str(payload["event_id"]), payload=payload)


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(
        api_url(values, "v2/locations"), headers={"Authorization": f"Bearer {values.get('accessToken', '')}"}
    )


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 60

PROVIDER = Provider(
    key="square",
    label="Square",
    category="payments",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://connect.squareup.com"),
        ConfigField("accessToken", "Access token", required=True, secret=True),
        ConfigField("locationId", "Location id"),
        ConfigField("signatureKey", "Webhook signature key", secret=True),
        ConfigField(
            "notificationUrl",
            "Notification URL",
            kind="url",
            help="The URL exactly as registered in Square, when a proxy rewrites it (default: the receiver URL).",
        ),
    ),
    check=check,
    inbound=SquareSignature(),
    inbound_help=(
        "Square Developer Console → your app → Webhooks → Add subscription: Notification URL = the receiver "
        "URL; copy its Signature key into signatureKey."
    ),
)
