"""Messaging's network calls, all through core.outbound: provider HTTP APIs and SMTP servers.

The seam owns the SSRF policy, the pinned address, timeouts and caps (docs/outbound.md);
this module only names failures in SendError terms.
"""

import smtplib
from typing import Any

import requests
from django.conf import settings

from core import outbound as seam
from messaging.providers.base import SendError, classify_status

OutboundError = seam.OutboundError


def timeout_seconds() -> float:
    return float(settings.MESSAGING_PROVIDER_TIMEOUT_SECONDS)


def send_error(exc: seam.OutboundError) -> SendError:
    """Return the SendError of a seam failure: a refused target is our configuration, the rest is transient."""
    kind = SendError.PROVIDER if exc.kind == seam.REJECTED else SendError.RETRYABLE
    return SendError(kind, str(exc))


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
        return seam.request(
            method, url, headers=headers, auth=auth, data=data, json_body=json_body, timeout=timeout_seconds()
        )
    except seam.OutboundError as exc:
        raise send_error(exc) from exc


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
            retry_after=seam.parse_retry_after(response.headers.get("Retry-After")),
        )
    return response, body


def smtp_open(host: str, port: int, *, implicit_tls: bool) -> smtplib.SMTP:
    """Connect to the checked address of an SMTP server (implicit TLS on 465-style ports) within the timeout."""
    return seam.smtp_connect(host, port, implicit_tls=implicit_tls, timeout=timeout_seconds())


def smtp_starttls(client: smtplib.SMTP) -> None:
    """Upgrade to TLS when offered; outside development a server without STARTTLS is refused (OutboundRefused)."""
    seam.smtp_starttls(client)
