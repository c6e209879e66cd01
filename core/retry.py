"""The one retry policy: retry only transient outcomes, exponential backoff with jitter, Retry-After honoured."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from celery import Task

from core.outbound.outcome import Outcome, parse_retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry and after how long.

    `schedule` (seconds, entry 0 = the first attempt) gives the base delay of each retry; past
    its end the last entry repeats. Without a schedule the base is exponential:
    `base_seconds * 2 ** (retry_number - 1)`, capped at `max_seconds`. Jitter adds up to
    `jitter_percent` of the base, so the retries of many calls that failed together (a
    provider outage) spread out. A Retry-After the provider sent replaces the computed delay,
    clamped to [retry_after_min, retry_after_max].
    """

    schedule: Sequence[float] = ()
    base_seconds: float = 5.0
    max_seconds: float = 3600.0
    jitter_percent: float = 10.0
    retry_after_min: float = 1.0
    retry_after_max: float = 3600.0
    max_retries: int | None = None

    def should_retry(self, outcome: Outcome, *, retry_number: int = 1) -> bool:
        """Return True for transient outcomes (timeouts, connection errors, 408/425/429/5xx) within the limit."""
        if not outcome.retryable:
            return False
        return self.max_retries is None or retry_number <= self.max_retries

    def base_delay(self, retry_number: int) -> float:
        if self.schedule:
            return float(self.schedule[min(retry_number, len(self.schedule) - 1)])
        return float(min(self.base_seconds * 2 ** max(retry_number - 1, 0), self.max_seconds))

    def delay(self, *, retry_number: int, retry_after: float | str | None = None) -> float:
        """Return seconds until retry number `retry_number` (1 = the first retry)."""
        asked = parse_retry_after(retry_after) if isinstance(retry_after, str) else retry_after
        if asked is not None:
            return float(min(max(asked, self.retry_after_min), self.retry_after_max))
        base = self.base_delay(retry_number)
        return base + base * self.jitter_percent / 100 * random.random()


def task_retry(task: Task, *, countdown: float, exc: BaseException | None = None) -> NoReturn:
    """Re-enqueue the running Celery task after `countdown` seconds (raises celery's Retry).

    Tasks whose retry is also recorded on their row (next_attempt_at) use this, so a lost
    retry message is found again by their sweeper.
    """
    raise task.retry(countdown=countdown, exc=exc)


def task_retry_outcome(task: Task, outcome: Outcome, *, policy: RetryPolicy, exc: BaseException | None = None) -> None:
    """Retry the running task when the policy allows it for this outcome; return otherwise."""
    retry_number = task.request.retries + 1
    if policy.should_retry(outcome, retry_number=retry_number):
        task_retry(task, countdown=policy.delay(retry_number=retry_number, retry_after=outcome.retry_after), exc=exc)
