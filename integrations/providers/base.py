"""What a provider module declares: config fields, a connection check and an inbound scheme."""

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from django.conf import settings

from core import outbound

CATEGORIES: tuple[str, ...] = ("commerce", "payments", "messaging", "delivery", "storage", "generic")

# Providers that sign with a timestamp refuse deliveries older (or newer) than this.
TIMESTAMP_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class ConfigField:
    """One entry of a provider's config; `secret` fields are stored encrypted and masked."""

    name: str  # camelCase, as on the wire (config objects keep their keys as sent)
    label: str
    kind: str = "str"  # "str", "url", "int", "email", "bool"
    required: bool = False
    secret: bool = False
    default: Any = None
    help: str = ""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a connection check: healthy, unhealthy (answered, but not OK) or error."""

    status: str
    latency_ms: int | None = None
    error: str = ""
    http_status: int | None = None


@dataclass(frozen=True)
class InboundRequest:
    """An inbound delivery as the verifier sees it: the raw bytes, never a re-serialized body."""

    body: bytes
    headers: Mapping[str, str]  # case-insensitive (Django's HttpHeaders)
    url: str  # the absolute URL the provider posted to (some schemes sign it)
    content_type: str = ""

    def header(self, name: str) -> str:
        return self.headers.get(name, "") or ""

    def json(self) -> Any:
        """Return the parsed JSON body, or raise MalformedBody."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedBody(f"The body is not valid JSON: {exc}") from exc


@dataclass(frozen=True)
class ParsedEvent:
    """A verified event's topic, the provider's own event id and the parsed payload."""

    topic: str
    event_id: str
    payload: Any
    reply: dict[str, Any] | None = None  # a body the provider expects back (Slack's challenge)


class InboundError(Exception):
    """A delivery the receiver refuses; `status` is the HTTP answer."""

    status = 400


class SignatureInvalid(InboundError):
    status = 401


class MalformedBody(InboundError):
    status = 400


class VerificationUnavailable(InboundError):
    """The provider's verification service could not be reached: the sender should retry later."""

    status = 503


class InboundScheme:
    """A provider's way of signing webhooks. Subclasses implement verify() and parse()."""

    name = "none"
    summary = ""

    def unsigned_reply(self, request: InboundRequest) -> dict[str, Any] | None:
        """Return a body to answer 200 to an expected unsigned request (e.g. a ping), else None."""
        return None

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        """Raise SignatureInvalid unless the request is signed with the integration's secret."""
        raise NotImplementedError

    def parse(self, request: InboundRequest) -> ParsedEvent:
        """Return the topic, event id and payload of a verified request (MalformedBody if unreadable)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Provider:
    """A provider module's declaration; see integrations/providers/__init__.py."""

    key: str
    label: str
    category: str
    fields: tuple[ConfigField, ...]
    check: Callable[[Mapping[str, Any]], CheckResult]
    inbound: InboundScheme | None = None
    inbound_help: str = ""

    @property
    def secret_fields(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.secret)


# --- helpers the provider modules share ---------------------------------------------


def hmac_digest(key: bytes | str, message: bytes, algorithm: str = "sha256") -> bytes:
    """Return the raw HMAC of message."""
    return hmac.new(key.encode() if isinstance(key, str) else key, message, getattr(hashlib, algorithm)).digest()


def constant_time_equal(expected: str | bytes, given: str | bytes) -> bool:
    """Compare two signatures in constant time (bytes of unequal length are simply unequal)."""
    a = expected.encode() if isinstance(expected, str) else expected
    b = given.encode() if isinstance(given, str) else given
    return hmac.compare_digest(a, b)


def require_secret(values: Mapping[str, Any], name: str) -> str:
    """Return the integration's signing secret, refusing the delivery when it is not configured."""
    secret = values.get(name)
    if not secret:
        raise SignatureInvalid(f"The integration has no {name} configured, so no delivery can be verified.")
    return str(secret)


def require_header(request: InboundRequest, name: str) -> str:
    value = request.header(name).strip()
    if not value:
        raise SignatureInvalid(f"The {name} header is missing.")
    return value


def check_timestamp(timestamp: str, *, tolerance: int = TIMESTAMP_TOLERANCE_SECONDS, now: float | None = None) -> int:
    """Return the Unix timestamp, or raise SignatureInvalid when it is unreadable or stale."""
    # Every scheme sends whole seconds; a bounded digit string keeps "inf", "1e400" and
    # 400-digit values (OverflowError in int(float(...))) out of the arithmetic below.
    text = timestamp.strip() if isinstance(timestamp, str) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise SignatureInvalid("The signature timestamp is not a number of seconds.")
    ts = int(text)
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        raise SignatureInvalid(f"The signature timestamp is outside the {tolerance}-second tolerance.")
    return ts


def body_digest_id(request: InboundRequest) -> str:
    """An event id for providers that send none: identical bodies are the same event."""
    return "sha256:" + hashlib.sha256(request.body).hexdigest()


def json_object(request: InboundRequest) -> dict[str, Any]:
    payload = request.json()
    if not isinstance(payload, dict):
        raise MalformedBody("The body must be a JSON object.")
    return payload


def api_url(values: Mapping[str, Any], path: str) -> str:
    """Join the integration's base URL and an API path."""
    base = str(values.get("baseUrl") or "").rstrip("/") + "/"
    return urljoin(base, path.lstrip("/"))


def http_check(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    method: str = "GET",
    data: Any = None,
) -> CheckResult:
    """Call the provider through the outbound seam: 2xx healthy, other answers unhealthy, none error."""
    started = time.monotonic()
    try:
        response = outbound.request(
            method,
            url,
            headers=dict(headers or {}),
            auth=auth,
            data=data,
            timeout=settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS,
        )
    except outbound.OutboundError as exc:
        return CheckResult("error", latency_ms=_ms(started), error=str(exc))
    latency = _ms(started)
    if 200 <= response.status_code < 300:
        return CheckResult("healthy", latency_ms=latency, http_status=response.status_code)
    return CheckResult(
        "unhealthy",
        latency_ms=latency,
        http_status=response.status_code,
        error=f"{outbound.redact_url(url)} answered HTTP {response.status_code}.",
    )


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


BASE_URL_FIELD_HELP = "The API's base URL; point it at a sandbox or a local stand-in for testing."
