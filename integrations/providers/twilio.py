"""Twilio: account SID and auth token; webhooks signed X-Twilio-Signature over URL + sorted form params."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from django.utils.datastructures import MultiValueDict
from twilio.request_validator import RequestValidator

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
    http_check,
    require_header,
    require_secret,
)


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
        params = MultiValueDict()  # repeated parameters are all signed; Twilio's validator reads getlist()
        for name, value in self._params(request):
            params.appendlist(name, value)
        # Twilio's own validator; it also tries the URL with and without the default port.
        if not RequestValidator(token).validate(request.url, params, given):
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
