"""The only outbound HTTP of payments: timeouts, no redirects, the SSRF guard, timeout vs. unreachable.

A timeout is told apart from a refused connection because the answers differ: after a
timeout the gateway may have charged the card (the payment stays pending for
reconciliation); a refused connection never reached it.
"""

from typing import Any

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
    """Send one request to a gateway with PAYMENTS_HTTP_TIMEOUT_SECONDS; never follows redirects.

    The sending (SSRF guard, timeouts, no redirects) is integrations.transport's; this only
    names its outcomes in payment terms.
    """
    try:
        return integrations_transport.request(
            method,
            url,
            headers=headers,
            auth=auth,
            data=data,
            json_body=json_body,
            timeout=settings.PAYMENTS_HTTP_TIMEOUT_SECONDS,
        )
    except integrations_transport.OutboundTimeout as exc:
        raise GatewayTimeout(str(exc)) from exc
    except integrations_transport.OutboundError as exc:
        raise GatewayUnreachable(str(exc)) from exc
