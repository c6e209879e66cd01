"""Textlocal SMS: API key and sender; delivery receipts posted to a receipt URL carrying our token.

Textlocal does not sign its receipts. Each SMS names `receipt_url` = the integration's
receiver URL with `?token=<receiptToken>`, so only someone who saw that URL (Textlocal)
can post a receipt; the token is compared in constant time.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from integrations.providers.base import (
    CheckResult,
    ConfigField,
    InboundRequest,
    InboundScheme,
    MalformedBody,
    ParsedEvent,
    Provider,
    SignatureInvalid,
    api_url,
    body_digest_id,
    constant_time_equal,
    http_check,
    require_secret,
)

RECEIPT_STATUSES = {"D": "delivered", "U": "undelivered", "P": "pending", "I": "invalid", "E": "expired"}


def receipt_params(request: InboundRequest) -> dict[str, str]:
    try:
        return dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"The body is not a valid form: {exc}")


class TextlocalReceiptToken(InboundScheme):
    name = "textlocal-receipt-token"
    summary = "token query parameter of the receipt URL (Textlocal does not sign receipts)"

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        expected = require_secret(values, "receiptToken")
        given = dict(parse_qsl(urlsplit(request.url).query)).get("token", "")
        if not given or not constant_time_equal(expected, given):
            raise SignatureInvalid("The receipt URL's token does not match the integration's receiptToken.")

    def parse(self, request: InboundRequest) -> ParsedEvent:
        params = receipt_params(request)
        status = RECEIPT_STATUSES.get(params.get("status", ""), "unknown")
        if not params.get("number"):
            raise MalformedBody("A Textlocal receipt carries number and status.")
        return ParsedEvent(topic=f"message.{status}", event_id=body_digest_id(request), payload=params)


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(api_url(values, "balance/"), method="POST", data={"apikey": str(values.get("apiKey", ""))})


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 96

PROVIDER = Provider(
    key="textlocal",
    label="Textlocal SMS",
    category="messaging",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://api.txtlocal.com"),
        ConfigField("apiKey", "API key", required=True, secret=True),
        ConfigField("sender", "Sender", help="Up to 11 characters, approved by Textlocal."),
        ConfigField("receiptToken", "Receipt token", secret=True, help="Any long random text; guards receipts."),
    ),
    check=check,
    inbound=TextlocalReceiptToken(),
    inbound_help=(
        "Nothing to set up at Textlocal: each SMS names the receiver URL (with the receipt token) as its receipt_url "
        "when the hub's public origin (INTEGRATIONS_PUBLIC_BASE_URL) is known."
    ),
)
