"""Webhook deliveries' outbound HTTP: one POST through core.outbound (SSRF policy, pinned address, caps).

The seam resolves the host once, refuses non-public targets (unless HUB_ALLOW_LOCAL_TARGETS),
dials the address it checked with the URL's name in Host and TLS SNI, never follows a
redirect, and keeps at most WEBHOOK_RESPONSE_MAX_BYTES of the answer (see docs/outbound.md).
"""

import contextlib
import time
from dataclasses import dataclass

import requests
from django.conf import settings

from core import outbound

USER_AGENT = "IntegrationHub-Webhooks/1.0"
# Attempt errors start with what kind of failure it was; operators filter on these words.
_ERROR_PREFIXES = {"timeout": "Timed out", "connection": "Connection failed", "tls": "TLS error"}


class UnsafeURLError(ValueError):
    """The URL may not be called: bad scheme, credentials, or its host is (or resolves to) a forbidden address."""


@dataclass
class HttpResult:
    """What one POST produced: a status and a truncated body, or an error."""

    status_code: int | None
    body: str
    headers: dict[str, str]
    duration_ms: int
    error: str = ""
    error_kind: str = ""  # "", "timeout", "connection", "dns", "tls", "unsafe_url", "invalid_request", "internal"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def outcome(self) -> outbound.Outcome:
        """Return the seam's classification of this result."""
        if self.status_code is not None:
            return outbound.Outcome.of_status(self.status_code, self.headers, error=self.error)
        kind = outbound.REJECTED if self.error_kind in ("unsafe_url", "invalid_request") else outbound.RETRYABLE
        return outbound.Outcome(kind, error=self.error)


def url_check(url: str, *, resolve_host: bool = True) -> None:
    """Raise UnsafeURLError when the URL may not be registered (scheme, and its addresses when they resolve)."""
    try:
        with contextlib.suppress(outbound.OutboundUnresolvable):
            # A name that does not resolve now may later: the send-time check still applies.
            outbound.check_url(url, resolve=resolve_host)
    except outbound.OutboundRefused as exc:
        raise UnsafeURLError(str(exc)) from exc


def post(url: str, *, body: bytes, headers: dict[str, str]) -> HttpResult:
    """POST the body to the URL once: guarded, time-limited, redirects not followed, response truncated."""
    started = time.monotonic()

    def result(**kwargs) -> HttpResult:
        kwargs.setdefault("status_code", None)
        kwargs.setdefault("body", "")
        kwargs.setdefault("headers", {})
        return HttpResult(duration_ms=int((time.monotonic() - started) * 1000), **kwargs)

    session = outbound.PinnedSession(
        max_bytes=settings.WEBHOOK_RESPONSE_MAX_BYTES, truncate=True, ca_bundle=settings.WEBHOOK_CA_BUNDLE
    )
    try:
        outbound.check_url(url, resolve=False)  # scheme, credentials, literal addresses: before requests parses it
        response = session.post(
            url,
            data=body,
            headers={**headers, "User-Agent": USER_AGENT, "Content-Type": "application/json"},
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT),
            allow_redirects=False,
        )
    except outbound.OutboundError as exc:
        prefix = _ERROR_PREFIXES.get(exc.error_kind)
        return result(error=f"{prefix}: {exc}" if prefix else str(exc), error_kind=exc.error_kind)
    except (requests.exceptions.RequestException, ValueError) as exc:  # requests refused the URL (e.g. a bad label)
        return result(error=outbound.redact(f"The request could not be sent: {exc}"), error_kind="unsafe_url")
    finally:
        session.close()
    return result(
        status_code=response.status_code,
        body=response.content.decode("utf-8", errors="replace"),
        headers={k.lower(): v for k, v in response.headers.items() if k.lower() in ("retry-after", "content-type")},
    )
