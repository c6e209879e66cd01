"""SendGrid: API key; the signed Event Webhook is an ECDSA (P-256, SHA-256) signature of timestamp + body."""

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

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
    check_timestamp,
    http_check,
    require_header,
    require_secret,
)

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


class SendGridSignature(InboundScheme):
    name = "sendgrid-ecdsa"
    summary = f"{SIGNATURE_HEADER}: base64 ECDSA-SHA256 of timestamp + raw body, checked with the public key"

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        public_key = require_secret(values, "verificationKey")
        signature = require_header(request, SIGNATURE_HEADER)
        timestamp = require_header(request, TIMESTAMP_HEADER)
        check_timestamp(timestamp)
        try:
            key = load_der_public_key(base64.b64decode(public_key))
            raw_signature = base64.b64decode(signature, validate=True)
        except (ValueError, binascii.Error):
            raise SignatureInvalid("The verification key or the signature is not valid base64 DER.")
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise SignatureInvalid("The verification key is not an elliptic-curve public key.")
        try:
            key.verify(raw_signature, timestamp.encode() + request.body, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise SignatureInvalid(f"{SIGNATURE_HEADER} does not match the body.")

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = request.json()
        if not isinstance(payload, list):
            raise MalformedBody("SendGrid's event webhook sends a JSON array of events.")
        kinds = sorted({str(e.get("event", "unknown")) for e in payload if isinstance(e, dict)})
        topic = f"email.{kinds[0]}" if len(kinds) == 1 else "email.batch"
        return ParsedEvent(topic=topic, event_id=body_digest_id(request), payload=payload)


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(api_url(values, "v3/scopes"), headers={"Authorization": f"Bearer {values.get('apiKey', '')}"})


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 100

PROVIDER = Provider(
    key="sendgrid",
    label="SendGrid",
    category="messaging",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://api.sendgrid.com"),
        ConfigField("apiKey", "API key", required=True, secret=True),
        ConfigField("fromEmail", "Sender address", kind="email"),
        ConfigField("verificationKey", "Event webhook verification key", secret=True, help="Base64 public key."),
    ),
    check=check,
    inbound=SendGridSignature(),
    inbound_help=(
        "SendGrid → Settings → Mail Settings → Event Webhook: HTTP Post URL = the receiver URL; enable Signed "
        "Event Webhook and copy its verification key into verificationKey."
    ),
)
