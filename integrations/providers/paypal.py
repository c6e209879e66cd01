"""PayPal: REST API with client credentials; webhooks verified by PayPal's verify-webhook-signature API."""

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from core import outbound
from integrations.providers.base import (
    CheckResult,
    ConfigField,
    InboundRequest,
    InboundScheme,
    ParsedEvent,
    Provider,
    SignatureInvalid,
    VerificationUnavailable,
    api_url,
    http_check,
    json_object,
    require_header,
    require_secret,
)
from integrations.providers.schemes import require_fields

_HEADERS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}


def _access_token(values: Mapping[str, Any]) -> str:
    client_id = require_secret(values, "clientId")
    client_secret = require_secret(values, "clientSecret")
    response = outbound.request(
        "POST",
        api_url(values, "v1/oauth2/token"),
        auth=(client_id, client_secret),
        data={"grant_type": "client_credentials"},
        timeout=settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS,
    )
    if response.status_code != 200:
        raise outbound.OutboundError(f"PayPal refused the client credentials (HTTP {response.status_code}).")
    return response.json()["access_token"]


class PayPalVerification(InboundScheme):
    name = "paypal-verify-webhook-signature"
    summary = "PAYPAL-TRANSMISSION-* headers, checked by PayPal's POST /v1/notifications/verify-webhook-signature"

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        webhook_id = require_secret(values, "webhookId")
        fields = {name: require_header(request, header) for name, header in _HEADERS.items()}
        json_object(request)  # a malformed body is refused before calling PayPal
        fields["webhook_id"] = webhook_id
        # The event goes to PayPal byte for byte: re-serializing it could change what was signed.
        body = json.dumps(fields)[:-1].encode() + b', "webhook_event": ' + request.body + b"}"
        try:
            token = _access_token(values)
            response = outbound.request(
                "POST",
                api_url(values, "v1/notifications/verify-webhook-signature"),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                data=body,
                timeout=settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS,
            )
            status = response.json().get("verification_status") if response.status_code == 200 else None
        except (outbound.OutboundError, ValueError, KeyError) as exc:
            # Not a bad signature: PayPal retries a non-2xx delivery, by when its API may answer.
            raise VerificationUnavailable(f"PayPal's verification API could not be asked: {exc}")
        if status != "SUCCESS":
            raise SignatureInvalid(f"PayPal answered verification_status={status or 'none'}.")

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        require_fields(payload, "id", "event_type")
        return ParsedEvent(topic=str(payload["event_type"]), event_id=str(payload["id"]), payload=payload)


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(
        api_url(values, "v1/oauth2/token"),
        method="POST",
        data={"grant_type": "client_credentials"},
        auth=(str(values.get("clientId", "")), str(values.get("clientSecret", ""))),
    )


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 50

PROVIDER = Provider(
    key="paypal",
    label="PayPal",
    category="payments",
    fields=(
        ConfigField(
            "baseUrl",
            "API base URL",
            kind="url",
            default="https://api-m.paypal.com",
            help="Sandbox: https://api-m.sandbox.paypal.com",
        ),
        ConfigField("clientId", "Client id", required=True),
        ConfigField("clientSecret", "Client secret", required=True, secret=True),
        ConfigField("webhookId", "Webhook id", help="The id PayPal gave the webhook subscribed to the receiver URL."),
    ),
    check=check,
    inbound=PayPalVerification(),
    inbound_help=(
        "PayPal Developer Dashboard → your app → Webhooks → Add webhook: URL = the receiver URL; copy the "
        "webhook's id into webhookId (PayPal's verification API needs it)."
    ),
)
