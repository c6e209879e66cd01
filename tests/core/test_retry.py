"""The one retry policy: transient outcomes only, exponential backoff with jitter, Retry-After honoured."""

import pytest
from celery.exceptions import Retry

from core.outbound import Outcome
from core.retry import RetryPolicy, task_retry_outcome


def test_only_transient_outcomes_are_retried():
    policy = RetryPolicy(max_retries=3)
    assert policy.should_retry(Outcome("retryable"))
    assert not policy.should_retry(Outcome("permanent", status_code=400))
    assert not policy.should_retry(Outcome("rejected"))
    assert not policy.should_retry(Outcome("success", status_code=200))
    assert not policy.should_retry(Outcome("retryable"), retry_number=4)


def test_the_backoff_doubles_with_bounded_jitter_and_a_ceiling():
    policy = RetryPolicy(base_seconds=2, max_seconds=30, jitter_percent=10)
    for number, base in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 30), (9, 30)]:
        delays = [policy.delay(retry_number=number) for _ in range(50)]
        assert all(base <= d <= base * 1.1 for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_retry_after_replaces_the_backoff_within_bounds():
    policy = RetryPolicy(base_seconds=2, retry_after_min=1, retry_after_max=600)
    assert policy.delay(retry_number=1, retry_after="120") == 120
    assert policy.delay(retry_number=1, retry_after=0.0) == 1
    assert policy.delay(retry_number=1, retry_after="99999") == 600


class _Task:
    """The part of a bound Celery task the helper uses."""

    class request:
        retries = 0

    def retry(self, countdown, exc=None):
        return Retry(when=countdown, exc=exc)


def test_a_task_is_retried_after_the_providers_retry_after():
    with pytest.raises(Retry) as caught:
        task_retry_outcome(_Task(), Outcome("retryable", status_code=429, retry_after=42), policy=RetryPolicy())
    assert caught.value.when == 42


def test_a_task_is_not_retried_after_a_permanent_outcome():
    assert task_retry_outcome(_Task(), Outcome("permanent", status_code=400), policy=RetryPolicy()) is None
