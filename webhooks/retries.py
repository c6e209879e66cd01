"""The retry policy of deliveries: core.retry's policy with the WEBHOOK_* schedule and Retry-After bounds."""

from django.conf import settings

from core.outbound import RETRYABLE, Outcome, status_kind
from core.outbound import parse_retry_after as parse_retry_after
from core.retry import RetryPolicy

# "internal": an unexpected exception while sending (services._send); retried, bounded by maxRetries.
_TRANSIENT_ERRORS = ("timeout", "connection", "tls", "dns", "internal")


def policy() -> RetryPolicy:
    """Return the delivery policy (read per call: settings change in tests and per environment)."""
    return RetryPolicy(
        schedule=settings.WEBHOOK_RETRY_SCHEDULE,
        jitter_percent=settings.WEBHOOK_RETRY_JITTER_PERCENT,
        retry_after_min=settings.WEBHOOK_RETRY_AFTER_MIN,
        retry_after_max=settings.WEBHOOK_RETRY_AFTER_MAX,
    )


def is_retryable(*, status_code: int | None, error_kind: str) -> bool:
    """Return True for timeouts, connection errors, 408/425/429 and 5xx; never for other 4xx or a refused URL."""
    if status_code is None:
        kind = RETRYABLE if error_kind in _TRANSIENT_ERRORS else "rejected"
    else:
        kind = status_kind(status_code)
    return policy().should_retry(Outcome(kind, status_code=status_code))


def retry_delay(*, retry_number: int, retry_after: str | None = None) -> float:
    """Return seconds until retry number `retry_number` (1 = the first retry), jittered or as Retry-After asks.

    The schedule's entry 0 is the first attempt; entries past its end repeat the last one.
    A Retry-After is honoured but clamped to [WEBHOOK_RETRY_AFTER_MIN, WEBHOOK_RETRY_AFTER_MAX].
    """
    return policy().delay(retry_number=retry_number, retry_after=retry_after)
