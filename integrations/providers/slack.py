"""Slack: incoming webhook URL or bot token; Events API requests signed X-Slack-Signature v0=…"""

from collections.abc import Mapping
from typing import Any

from integrations.providers.base import (
    CheckResult,
    ConfigField,
    InboundRequest,
    InboundScheme,
    ParsedEvent,
    Provider,
    SignatureInvalid,
    api_url,
    body_digest_id,
    check_timestamp,
    constant_time_equal,
    hmac_digest,
    http_check,
    json_object,
    require_header,
    require_secret,
)


class SlackSignature(InboundScheme):
    name = "slack-v0"
    summary = "X-Slack-Signature: v0=<hex HMAC-SHA256 of 'v0:timestamp:body'>, X-Slack-Request-Timestamp, 5 minutes"

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        secret = require_secret(values, "signingSecret")
        signature = require_header(request, "X-Slack-Signature")
        timestamp = require_header(request, "X-Slack-Request-Timestamp")
        check_timestamp(timestamp)
        expected = "v0=" + hmac_digest(secret, f"v0:{timestamp}:".encode() + request.body).hex()
        if not constant_time_equal(expected, signature):
            raise SignatureInvalid("X-Slack-Signature does not match the body.")

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        if payload.get("type") == "url_verification":
            # Slack confirms a new Request URL by expecting its challenge echoed back.
            return ParsedEvent(
                topic="url_verification",
                event_id=body_digest_id(request),
                payload=payload,
                reply={"challenge": payload.get("challenge", "")},
            )
        event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
        topic = str(event.get("type") or payload.get("type") or "unknown")
        return ParsedEvent(
            topic=topic, event_id=str(payload.get("event_id") or body_digest_id(request)), payload=payload
        )


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(
        api_url(values, "api/auth.test"),
        method="POST",
        headers={"Authorization": f"Bearer {values.get('botToken', '')}"},
    )


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 120

PROVIDER = Provider(
    key="slack",
    label="Slack",
    category="messaging",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://slack.com"),
        ConfigField("botToken", "Bot token", required=True, secret=True, help="xoxb-…"),
        ConfigField("webhookUrl", "Incoming webhook URL", kind="url", secret=True),
        ConfigField("defaultChannel", "Default channel"),
        ConfigField("signingSecret", "Signing secret", secret=True),
    ),
    check=check,
    inbound=SlackSignature(),
    inbound_help=(
        "api.slack.com/apps → your app → Event Subscriptions: Request URL = the receiver URL (the challenge is "
        "answered automatically); Basic Information → Signing Secret into signingSecret."
    ),
)
