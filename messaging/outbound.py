"""The only network calls of messaging: provider HTTP APIs and SMTP servers, with timeouts and the SSRF guard.

HTTP goes through integrations.transport (timeouts, no redirects, private addresses refused
unless INTEGRATIONS_ALLOW_PRIVATE_URLS); SMTP connections are checked by the same guard.
"""

import smtplib
import ssl
from typing import Any

import requests
from django.conf import settings

from integrations import transport
from messaging.providers.base import SendError, classify_status

OutboundError = transport.OutboundError


def timeout_seconds() -> float:
    return float(settings.MESSAGING_PROVIDER_TIMEOUT_SECONDS)


def http_request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    data: Any = None,
    json_body: Any = None,
) -> requests.Response:
    """Send one request; a timeout or connection error raises a retryable SendError."""
    try:
        return transport.request(
            method, url, headers=headers, auth=auth, data=data, json_body=json_body, timeout=timeout_seconds()
        )
    except OutboundError as exc:
        raise SendError(SendError.RETRYABLE, str(exc)) from exc


def http_json(method: str, url: str, **kwargs: Any) -> tuple[requests.Response, Any]:
    """Send one request and return (response, parsed JSON or None); a non-2xx answer raises SendError."""
    response = http_request(method, url, **kwargs)
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 300:
        detail = body if body is not None else response.text[:300]
        raise SendError(
            classify_status(response.status_code),
            f"HTTP {response.status_code}: {str(detail)[:500]}",
            status_code=response.status_code,
        )
    return response, body


def smtp_open(host: str, port: int, *, implicit_tls: bool) -> smtplib.SMTP:
    """Connect to an SMTP server (implicit TLS on 465-style ports) within the configured timeout."""
    # integrations.transport owns the SSRF policy.
    transport.check_host(host, port)
    seconds = timeout_seconds()
    context = ssl.create_default_context()
    if implicit_tls:
        return smtplib.SMTP_SSL(host, port, timeout=seconds, context=context)
    return smtplib.SMTP(host, port, timeout=seconds)


def smtp_starttls(client: smtplib.SMTP) -> None:
    client.starttls(context=ssl.create_default_context())
