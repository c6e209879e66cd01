"""The retry policy of deliveries: which outcomes retry, and after how long (pure functions)."""

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from django.conf import settings


def is_retryable(*, status_code: int | None, error_kind: str) -> bool:
    """Return True for timeouts, connection errors, 429 and 5xx; never for other 4xx or a refused URL."""
    if status_code is None:
        return error_kind in ("timeout", "connection", "tls", "dns")
    return status_code == 429 or status_code >= 500


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_delay(*, retry_number: int, retry_after: str | None = None) -> float:
    """Return seconds until retry number `retry_number` (1 = the first retry), jittered or as Retry-After asks.

    The schedule's entry 0 is the first attempt; entries past its end repeat the last one.
    A Retry-After is honoured but clamped to [WEBHOOK_RETRY_AFTER_MIN, WEBHOOK_RETRY_AFTER_MAX].
    """
    asked = parse_retry_after(retry_after)
    if asked is not None:
        return float(min(max(asked, settings.WEBHOOK_RETRY_AFTER_MIN), settings.WEBHOOK_RETRY_AFTER_MAX))
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    base = float(schedule[min(retry_number, len(schedule) - 1)])
    # Jitter spreads the retries of many deliveries that failed together (a receiver outage).
    return base + base * settings.WEBHOOK_RETRY_JITTER_PERCENT / 100 * random.random()
