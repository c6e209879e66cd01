"""Twilio SMS through the official library, its HTTP client pointed at the integration's base URL."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from messaging import outbound
from messaging.providers.base import Outgoing, SendError, SendResult, classify_status, status_callback_url

CHANNEL = "sms"  # what messaging.providers attaches this adapter to


class HubHttpClient(HttpClient):
    """Twilio's HTTP client interface over the hub's outbound seam, with the host rewritten to `base_url`.

    Twilio's own TwilioHttpClient with a core.outbound.PinnedSession would pin the address
    too, but this client also rewrites the API host (sandboxes, loopback stand-ins) and turns
    seam failures into SendError through messaging.outbound.
    """

    def __init__(self, base_url: str) -> None:
        super().__init__(logger=None, is_async=False, timeout=outbound.timeout_seconds())
        self.base = urlsplit(base_url.rstrip("/"))

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        parts = urlsplit(url)
        query = urlencode(params, doseq=True) if params else parts.query
        target = urlunsplit((self.base.scheme, self.base.netloc, self.base.path + parts.path, query, ""))
        response = outbound.http_request(method, target, headers=headers, auth=auth, data=data)
        return Response(response.status_code, response.text, response.headers)


def send(values: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    sender = str(values.get("fromNumber") or "")
    if not sender:
        raise SendError(SendError.PROVIDER, "The Twilio integration has no fromNumber.")
    client = Client(
        str(values["accountSid"]),
        str(values["authToken"]),
        http_client=HubHttpClient(str(values.get("baseUrl") or "https://api.twilio.com")),
    )
    extra: dict[str, Any] = {}
    callback = status_callback_url(str(values.get("_integrationId") or ""))
    if callback:
        extra["status_callback"] = callback
    try:
        created = client.messages.create(to=outgoing.recipients[0], from_=sender, body=outgoing.body_text, **extra)
    except TwilioRestException as exc:
        raise SendError(classify_status(exc.status), f"Twilio {exc.status}: {exc.msg}", status_code=exc.status)
    return SendResult(provider_message_id=str(created.sid), status_code=201)
