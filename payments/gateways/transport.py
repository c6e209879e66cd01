"""Payments' outbound HTTP through core.outbound, its failures named in payment terms: timeout vs. unreachable.

A timeout is told apart from a refused connection because the answers differ: after a
timeout the gateway may have charged the card (the payment stays pending for
reconciliation); a refused connection never reached it.
"""

from typing import Any

import requests
from django.conf import settings

from core import outbound


class GatewayTimeout(Exception):
    """The gateway did not answer in time (or its answer was unusable): the outcome is unknown."""


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
    try:
        return outbound.request(
            method,
            url,
            headers=headers,
            auth=auth,
            data=data,
            json_body=json_body,
            timeout=settings.PAYMENTS_HTTP_TIMEOUT_SECONDS,
        )
    except outbound.OutboundError as exc:
        # `sent`: the request may have reached the gateway, which may have acted on it.
        raise (GatewayTimeout if exc.sent else GatewayUnreachable)(str(exc)) from exc
