"""DRF throttles over accounts.ratelimit: per API key, per user, per endpoint, per IP."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.principal import Principal
from accounts.ratelimit import Verdict, rate_limit_hit

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (limit, window seconds) for a rate such as "100/min" or "5/15min"."""
    count, _, period = rate.partition("/")
    digits = "".join(ch for ch in period if ch.isdigit())
    unit = period[len(digits) :]
    return int(count), int(digits or 1) * _UNITS[unit]


def principal_bucket(principal: Principal) -> str:
    """Return the bucket of a principal's own per-minute limit."""
    return principal.extra.get("bucket") or principal.rate_limit_id


def principal_limit(principal: Principal) -> int:
    """Return the principal's own per-minute limit."""
    return (
        principal.rate_limit if principal.is_api_key and principal.rate_limit else settings.USER_RATE_LIMIT_PER_MINUTE
    )


def _record(request: Request, verdict: Verdict) -> None:
    """Keep the tightest verdict on the Django request for the X-RateLimit-* headers."""
    django_request = request._request
    django_request.rate_limit_verdict = verdict.tighter(getattr(django_request, "rate_limit_verdict", None))


class _VerdictThrottle(BaseThrottle):
    verdict: Verdict | None = None

    def wait(self) -> float | None:
        return self.verdict.retry_after if self.verdict else None

    def _decide(self, request: Request, verdict: Verdict | None) -> bool:
        if verdict is None:
            return True
        self.verdict = verdict
        _record(request, verdict)
        return verdict.allowed


class ApiKeyRateThrottle(_VerdictThrottle):
    """Each API key's own per-minute limit; signed-in people share USER_RATE_LIMIT per minute."""

    def allow_request(self, request: Request, view) -> bool:
        principal = request.auth
        if not settings.RATE_LIMIT_ENABLED or not isinstance(principal, Principal):
            return True
        if principal.is_api_key:
            verdict = getattr(request._request, "api_key_verdict", None)
            if verdict is None:  # embedded mode: count it in the database fallback
                verdict = rate_limit_hit(principal_bucket(principal), limit=principal.rate_limit or 100)
        else:
            verdict = rate_limit_hit(principal_bucket(principal), limit=settings.USER_RATE_LIMIT_PER_MINUTE)
        return self._decide(request, verdict)


class EndpointRateThrottle(_VerdictThrottle):
    """A per-principal limit on one endpoint, declared on the view as `rate_limit = "30/min"`.

    A dict keyed by action (or HTTP method) sets limits per action of a viewset.
    """

    def allow_request(self, request: Request, view) -> bool:
        rate = getattr(view, "rate_limit", None)
        if isinstance(rate, dict):
            rate = rate.get(getattr(view, "action", None) or "", rate.get(request.method))
        if not rate or not settings.RATE_LIMIT_ENABLED:
            return True
        principal = request.auth
        who = principal.rate_limit_id if isinstance(principal, Principal) else f"ip:{client_ip(request)}"
        limit, window = parse_rate(rate)
        name = getattr(view, "rate_limit_name", None) or type(view).__name__
        action = getattr(view, "action", None) or request.method
        verdict = rate_limit_hit(f"ep:{name}:{action}:{who}", limit=limit, window_seconds=window)
        return self._decide(request, verdict)


def client_ip(request: Request | HttpRequest) -> str:
    """Return the caller's IP: REMOTE_ADDR, or the X-Forwarded-For hop the trusted proxies vouch for.

    Each of TRUSTED_PROXY_COUNT proxies appends the address it received the request from,
    so the client's own address is that many hops from the right; anything left of it was
    written by the client and is ignored (taking the left-most hop let callers pick their
    own rate-limit bucket). Hand-written: a few lines over the standard library, not worth
    a dependency.
    """
    meta = request.META
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if trusted > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        if len(hops) >= trusted and _is_ip(hops[-trusted]):
            return hops[-trusted]
    return meta.get("REMOTE_ADDR", "")


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
