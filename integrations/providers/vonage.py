"""Vonage (Nexmo) SMS API: API key and secret; delivery receipts signed with the signature secret (`sig`).

Vonage signs a webhook by sorting its parameters (without `sig`), joining them as
`&key=value` (with `&` and `=` inside values replaced by `_`), and hashing: "md5hash" is
MD5 of that string followed by the secret, the HMAC methods (md5, sha1, sha256, sha512)
key the HMAC with the secret. The signed `timestamp` must be within five minutes. This is
Vonage's documented algorithm, written here because the `vonage` SDK is not a dependency
and its verifier is the same dozen lines.
"""

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

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
    check_timestamp,
    constant_time_equal,
    http_check,
    require_secret,
)

SIGNATURE_METHODS = ("md5hash", "md5", "sha1", "sha256", "sha512")


def signature(params: Mapping[str, Any], secret: str, method: str = "md5hash") -> str:
    """Return Vonage's lowercase hex signature of `params` (any `sig` among them is ignored)."""
    signed = "".join(
        f"&{key}={str(params[key]).replace('&', '_').replace('=', '_')}" for key in sorted(params) if key != "sig"
    )
    if method == "md5hash":
        return hashlib.md5((signed + secret).encode()).hexdigest()  # noqa: S324 (Vonage's scheme, not our choice)
    return hmac.new(secret.encode(), signed.encode(), getattr(hashlib, method)).hexdigest()


def request_params(request: InboundRequest) -> dict[str, str]:
    """Return the receipt's parameters: Vonage posts a form, or JSON when set to POST-JSON."""
    if "json" in request.content_type:
        payload = request.json()
        if not isinstance(payload, dict):
            raise MalformedBody("The body must be a JSON object.")
        return {str(k): "" if v is None else str(v) for k, v in payload.items()}
    try:
        return dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"The body is not a valid form: {exc}")


class VonageSignature(InboundScheme):
    name = "vonage-signed-webhook"
    summary = "sig: Vonage's signature of the sorted parameters with the signature secret (md5hash or HMAC)"

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        secret = require_secret(values, "signatureSecret")
        params = request_params(request)
        given = params.get("sig", "").strip().lower()
        if not given:
            raise SignatureInvalid("The sig parameter is missing (turn on signed webhooks for the API key).")
        check_timestamp(params.get("timestamp", ""))
        method = str(values.get("signatureMethod") or "md5hash").lower()
        if method not in SIGNATURE_METHODS:
            raise SignatureInvalid(f"signatureMethod must be one of: {', '.join(SIGNATURE_METHODS)}.")
        if not constant_time_equal(signature(params, secret, method), given):
            raise SignatureInvalid("sig does not match the parameters and the signature secret.")

    def parse(self, request: InboundRequest) -> ParsedEvent:
        params = request_params(request)
        message_id = params.get("messageId") or params.get("message-id") or ""
        status = params.get("status") or ""
        if not message_id or not status:
            raise MalformedBody("A delivery receipt carries messageId and status.")
        return ParsedEvent(topic=f"message.{status}", event_id=f"{message_id}:{status}", payload=params)


def check(values: Mapping[str, Any]) -> CheckResult:
    url = api_url({"baseUrl": values.get("restUrl") or "https://rest.nexmo.com"}, "account/get-balance")
    return http_check(url + f"?api_key={values.get('apiKey', '')}&api_secret={values.get('apiSecret', '')}")


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 94

PROVIDER = Provider(
    key="vonage",
    label="Vonage (Nexmo) SMS",
    category="messaging",
    fields=(
        ConfigField("baseUrl", "SMS API base URL", kind="url", default="https://rest.nexmo.com"),
        ConfigField("restUrl", "Account API base URL", kind="url", default="https://rest.nexmo.com"),
        ConfigField("apiKey", "API key", required=True),
        ConfigField("apiSecret", "API secret", required=True, secret=True),
        ConfigField("signatureSecret", "Signature secret", secret=True, help="Verifies signed delivery receipts."),
        ConfigField("signatureMethod", "Signature method", default="md5hash", help=", ".join(SIGNATURE_METHODS)),
        ConfigField("from", "Sender", help="A virtual number or an alphanumeric sender id."),
    ),
    check=check,
    inbound=VonageSignature(),
    inbound_help=(
        "Vonage dashboard → API settings → SMS settings: Delivery receipts webhook = the receiver URL, method POST "
        "(or POST-JSON); ask Vonage to sign webhooks and copy the signature secret and method here."
    ),
)
