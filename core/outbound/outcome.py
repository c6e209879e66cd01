"""One classification of outbound results (success / retryable / permanent / rejected), Retry-After and redaction."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.outbound.errors import OutboundError

SUCCESS = "success"
RETRYABLE = "retryable"  # timeouts, connection errors, 408, 425, 429, 5xx: the same call may work later
PERMANENT = "permanent"  # any other answer: repeating the call cannot help
REJECTED = "rejected"  # the seam's policy refused the target; nothing was sent
KINDS = (SUCCESS, RETRYABLE, PERMANENT, REJECTED)

_RETRYABLE_STATUSES = frozenset({408, 425, 429})


def status_kind(status_code: int) -> str:
    """Return the outcome kind of an HTTP status (a 3xx is permanent: redirects are never followed)."""
    if 200 <= status_code < 300:
        return SUCCESS
    if status_code in _RETRYABLE_STATUSES or status_code >= 500:
        return RETRYABLE
    return PERMANENT


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def redact_url(url: str) -> str:
    """Return the URL without userinfo and with every query value replaced (they often carry tokens)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<malformed URL>"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, _masked_query(parts.query), ""))


def _masked_query(query: str) -> str:
    return urlencode([(key, "***") for key, _ in parse_qsl(query, keep_blank_values=True)])


_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>)]+")
_QUERY = re.compile(r"(/[^\s'\"?]*)\?[^\s'\")]*")


def redact(text: str, *, limit: int = 500) -> str:
    """Return an error text fit to store: URLs redacted (no userinfo, no query values), length capped."""
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    # urllib3 names bare paths ("with url: /v1/x?token=..."): their query values go too.
    text = _QUERY.sub(lambda m: m.group(1) + "?" + _masked_query(m.group(0).split("?", 1)[1]), text)
    return text[:limit]


@dataclass(frozen=True)
class Outcome:
    """What one outbound call came to, in the terms every caller shares."""

    kind: str
    status_code: int | None = None
    retry_after: float | None = None  # seconds the provider asked us to wait
    error: str = ""  # short, redacted, never a secret

    @property
    def ok(self) -> bool:
        return self.kind == SUCCESS

    @property
    def retryable(self) -> bool:
        return self.kind == RETRYABLE

    @classmethod
    def of_status(cls, status_code: int, headers: "dict[str, str] | None" = None, *, error: str = "") -> "Outcome":
        """Return the outcome of an HTTP answer (headers are looked up case-insensitively for Retry-After)."""
        retry_after = None
        for name, value in (headers or {}).items():
            if name.lower() == "retry-after":
                retry_after = parse_retry_after(value)
        kind = status_kind(status_code)
        if not error and kind != SUCCESS:
            error = f"HTTP {status_code}"
        return cls(kind, status_code=status_code, retry_after=retry_after, error=redact(error))

    @classmethod
    def of_error(cls, exc: BaseException) -> "Outcome":
        """Return the outcome of an exception raised by the seam (anything else is a retryable failure)."""
        kind = exc.kind if isinstance(exc, OutboundError) else RETRYABLE
        return cls(kind, error=redact(str(exc) or type(exc).__name__))
