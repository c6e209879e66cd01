"""Uber Eats: OAuth client credentials; webhooks signed X-Uber-Signature (hex HMAC-SHA256 with the client secret)."""

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


class UberEatsSignature(BodyHmac):
    name = "ubereats-hmac-sha256"
    summary = "X-Uber-Signature: hex HMAC-SHA256 of the raw body with the app's client secret"
    header = "X-Uber-Signature"
    secret_field = "clientSecret"

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        require_fields(payload, "event_id", "event_type")
        return ParsedEvent(topic=str(payload["event_type"]), event_id=str(payload["event_id"]), payload=payload)


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(api_url(values, f"v1/eats/stores/{values.get('storeId', '')}"))


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 130

PROVIDER = Provider(
    key="ubereats",
    label="Uber Eats",
    category="delivery",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://api.uber.com"),
        ConfigField("clientId", "Client id", required=True),
        ConfigField("clientSecret", "Client secret", required=True, secret=True),
        ConfigField("storeId", "Store id", required=True),
    ),
    check=check,
    inbound=UberEatsSignature(),
    inbound_help="Uber developer dashboard → your app → Webhooks: Primary webhook URL = the receiver URL.",
)
