"""Fixtures of the log tests: logs at chosen times, and a request-log buffer flushed by hand."""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from logs.models import IntegrationLog
from logs.requestlog import request_log_buffer
from logs.services import LogEntry, log_record_many


@pytest.fixture(autouse=True)
def _request_log_buffer(settings) -> Iterator[None]:
    """No background flush thread in these tests: they flush the buffer themselves."""
    settings.LOG_REQUEST_FLUSH_SECONDS = 0
    request_log_buffer.stop()
    yield
    request_log_buffer.stop()


@pytest.fixture
def flush_requests() -> Callable[[], int]:
    return request_log_buffer.flush


@pytest.fixture
def make_logs() -> Callable[..., list[IntegrationLog]]:
    """Record `count` logs for a company; `ago` (a timedelta) sets their age, newest first."""

    def make(company, count: int = 1, *, ago: timedelta = timedelta(minutes=1), **fields) -> list[IntegrationLog]:
        fields.setdefault("integration_type", "woocommerce")
        fields.setdefault("operation", "export")
        fields.setdefault("status", "success")
        now: datetime = timezone.now()
        entries = [
            LogEntry(company_id=company.id, timestamp=now - ago - timedelta(seconds=k), **fields) for k in range(count)
        ]
        return log_record_many(entries)

    return make


@pytest.fixture
def reader(make_key, company) -> dict[str, str]:
    """Headers of an API key holding only logs:read."""
    return make_key(company, scopes=["logs:read"])
