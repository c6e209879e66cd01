"""Stripe: secret key for the API; webhooks signed Stripe-Signature t=…,v1=… (HMAC-SHA256 hex)."""

from collections.abc import Mapping
from typing import Any

import stripe

from integrations.providers.base import (
    CheckResult,
    ConfigField,
    InboundRequest,
    InboundScheme,
    ParsedEvent,
    Provider,
    SignatureInvalid,
    api_url,
    check_timestamp,
    http_check,
    json_object,
    require_header,
    require_secret,
)
from integrations.providers.schemes import require_fields


class StripeSignature(InboundScheme):
    name = "stripe-signature"
    summary = "Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of 't.body'> (several v1 allowed), 5-minute tolerance"

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        secret = require_secret(values, "webhookSecret")
        header = require_header(request, "Stripe-Signature")
        try:
            payload = request.body.decode("utf-8")  # what Stripe signs, and what its library expects
        except UnicodeDecodeError:
            raise SignatureInvalid("No v1 signature in Stripe-Signature matches the body.")
        # Stripe's own verifier (any v1 may match: a secret being rolled signs with both). Its
        # tolerance only refuses old timestamps; check_timestamp below refuses future ones too.
        try:
            stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
        except stripe.SignatureVerificationError as exc:
            if "matching" in str(exc):
                raise SignatureInvalid("No v1 signature in Stripe-Signature matches the body.")
            raise SignatureInvalid("The Stripe-Signature header lacks t= or v1=.")
        timestamps = [v for k, _, v in (item.strip().partition("=") for item in header.split(",")) if k == "t"]
        check_timestamp(timestamps[0])

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        require_fields(payload, "id", "type")
        return ParsedEvent(topic=str(payload["type"]), event_id=str(payload["id"]), payload=payload)


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(api_url(values, "v1/balance"), auth=(str(values.get("secretKey", "")), ""))


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 40

PROVIDER = Provider(
    key="stripe",
    label="Stripe",
    category="payments",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://api.stripe.com"),
        ConfigField("secretKey", "Secret key", required=True, secret=True, help="sk_live_… or sk_test_…"),
        ConfigField("publishableKey", "Publishable key"),
        ConfigField("webhookSecret", "Webhook signing secret", secret=True, help="whsec_… of the endpoint"),
    ),
    check=check,
    inbound=StripeSignature(),
    inbound_help=(
        "Stripe Dashboard → Developers → Webhooks → Add endpoint: URL = the receiver URL; copy the endpoint's "
        "signing secret (whsec_…) into webhookSecret. `stripe listen --forward-to <receiver URL>` works locally."
    ),
)
