"""Twilio: account SID and auth token; webhooks signed X-Twilio-Signature over URL + sorted form params."""

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

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
    hmac_digest,
    http_check,
    require_header,
    require_secret,
)


def _url_variants(url: str) -> list[str]:
    """Twilio may sign the URL with or without the default port; try both."""
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 80
    host = parts.hostname or ""
    without = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    with_port = urlunsplit((parts.scheme, f"{host}:{parts.port or default_port}", parts.path, parts.query, ""))
    return list(dict.fromkeys([url, without, with_port]))


class TwilioSignature(InboundScheme):
    name = "twilio-request-validator"
    summary = "X-Twilio-Signature: base64 HMAC-SHA1 of the URL + every form parameter sorted by name"

    def _params(self, request: InboundRequest) -> list[tuple[str, str]]:
        try:
            return parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise MalformedBody(f"The body is not a valid form: {exc}")

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        token = require_secret(values, "authToken")
        given = require_header(request, "X-Twilio-Signature")
        pairs = self._params(request)
        signed_params = ""
        for name in sorted({name for name, _ in pairs}):
            for value in sorted({v for n, v in pairs if n == name}):
                signed_params += name + value
        for url in _url_variants(request.url):
            expected = base64.b64encode(hmac_digest(token, (url + signed_params).encode(), "sha1")).decode()
            if constant_time_equal(expected, given):
                return
        raise SignatureInvalid("X-Twilio-Signature does not match the URL and parameters.")

    def parse(self, request: InboundRequest) -> ParsedEvent:
        params = dict(self._params(request))
        if not params:
            raise MalformedBody("The body carries no form parameters.")
        if "MessageStatus" in params:
            topic = f"message.{params['MessageStatus']}"
        elif "CallStatus" in params:
            topic = f"call.{params['CallStatus']}"
        else:
            topic = "message.received"
        sid = params.get("MessageSid") or params.get("SmsSid") or params.get("CallSid")
        status = params.get("MessageStatus") or params.get("CallStatus") or "received"
        # A status callback repeats the SID with each new status: the pair names one event.
        event_id = request.header("I-Twilio-Idempotency-Token") or (
            f"{sid}:{status}" if sid else body_digest_id(request)
        )
        return ParsedEvent(topic=topic, event_id=event_id, payload=params)


def check(values: Mapping[str, Any]) -> CheckResult:
    sid = str(values.get("accountSid", ""))
    return http_check(api_url(values, f"2010-04-01/Accounts/{sid}.json"), auth=(sid, str(values.get("authToken", ""))))


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 90

PROVIDER = Provider(
    key="twilio",
    label="Twilio",
    category="messaging",
    fields=(
        ConfigField("baseUrl", "API base URL", kind="url", default="https://api.twilio.com"),
        ConfigField("accountSid", "Account SID", required=True),
        ConfigField("authToken", "Auth token", required=True, secret=True),
        ConfigField("fromNumber", "Sender number", help="E.164, e.g. +15005550006"),
    ),
    check=check,
    inbound=TwilioSignature(),
    inbound_help=(
        "Twilio Console → Phone Numbers → your number → Messaging: 'A message comes in' webhook = the receiver "
        "URL (HTTP POST); use it as StatusCallback too. Twilio signs with the account's auth token."
    ),
)
