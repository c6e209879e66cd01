"""Authorize.Net: API login id and transaction key; webhooks signed X-ANET-Signature sha512=<hex>."""

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


class AuthorizeNetSignature(BodyHmac):
    name = "authorizenet-hmac-sha512"
    summary = "X-ANET-Signature: sha512=<hex HMAC-SHA512 of the raw body with the Signature Key>"
    header = "X-ANET-Signature"
    algorithm = "sha512"
    prefix = "sha512="
    secret_field = "signatureKey"

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        require_fields(payload, "notificationId", "eventType")
        return ParsedEvent(topic=str(payload["eventType"]), event_id=str(payload["notificationId"]), payload=payload)


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(
        api_url(values, "rest/v1/notifications"),
        auth=(str(values.get("apiLoginId", "")), str(values.get("transactionKey", ""))),
    )


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 70

PROVIDER = Provider(
    key="authorizenet",
    label="Authorize.Net",
    category="payments",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://api.authorize.net"),
        ConfigField("apiLoginId", "API login id", required=True),
        ConfigField("transactionKey", "Transaction key", required=True, secret=True),
        ConfigField("signatureKey", "Signature key", secret=True),
    ),
    check=check,
    inbound=AuthorizeNetSignature(),
    inbound_help=(
        "Merchant Interface → Account → Webhooks → Add endpoint: URL = the receiver URL; Account → Settings → "
        "API Credentials & Keys → new Signature Key into signatureKey."
    ),
)
