"""The only outbound HTTP of payments: timeouts, no redirects, the SSRF guard, timeout vs. unreachable.

A timeout is told apart from a refused connection because the answers differ: after a
timeout the gateway may have charged the card (the payment stays pending for
reconciliation); a refused connection never reached it.
"""

from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from integrations import transport as integrations_transport


class GatewayTimeout(Exception):
    """The gateway did not answer in time: the outcome is unknown."""


class GatewayUnreachable(Exception):
    """The request never reached the gateway: refused address, DNS, connection error."""


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    data: Any = None,
    json_body: Any = None,
) -> requests.Response:
    """Send one request to a gateway with PAYMENTS_HTTP_TIMEOUT_SECONDS; never follows redirects."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GatewayUnreachable(f"{url!r} is not an http(s) URL.")
    try:
        # The integrations app's guard: private addresses refused unless settings allow them.
        integrations_transport.check_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except integrations_transport.OutboundError as exc:
        raise GatewayUnreachable(str(exc))
    seconds = settings.PAYMENTS_HTTP_TIMEOUT_SECONDS
    try:
        return requests.request(
            method,
            url,
            headers=headers,
            auth=auth,
            data=data,
            json=json_body,
            timeout=(min(seconds, 5.0), seconds),
            allow_redirects=False,
        )
    except requests.ConnectTimeout:
        raise GatewayUnreachable(f"{parts.hostname} did not accept a connection within {min(seconds, 5.0):g} s.")
    except requests.Timeout:
        raise GatewayTimeout(f"{parts.hostname} did not answer within {seconds:g} s.")
    except requests.RequestException as exc:
        raise GatewayUnreachable(f"Cannot reach {parts.hostname}: {type(exc).__name__}.")
