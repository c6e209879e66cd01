"""Compatibility names for integrations' outbound calls: every call is core.outbound's (see docs/outbound.md).

Kept so provider modules and syncs keep one import while the seam itself lives in core.
"""

from typing import Any

import requests
from django.conf import settings

from core import outbound
from core.outbound import OutboundError, OutboundTimeout

__all__ = ["OutboundError", "OutboundTimeout", "check_host", "request", "tcp_connect"]


def check_host(host: str, port: int) -> str:
    """Return the checked address of host:port, or raise OutboundRefused / OutboundUnresolvable."""
    return outbound.resolve_checked(host, port)


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    data: Any = None,
    json_body: Any = None,
    timeout: float | None = None,
) -> requests.Response:
    """Send one HTTP request through the seam (INTEGRATIONS_HTTP_TIMEOUT_SECONDS unless given)."""
    return outbound.request(
        method,
        url,
        headers=headers,
        auth=auth,
        data=data,
        json_body=json_body,
        timeout=timeout or settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS,
    )


def tcp_connect(host: str, port: int, *, timeout: float | None = None) -> bytes:
    """Open a TCP connection to the checked address, read the greeting line (SMTP's 220), and close it."""
    return outbound.tcp_greeting(host, port, timeout=timeout or settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS)
