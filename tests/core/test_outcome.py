"""One classification for every caller: success / retryable / permanent / rejected, Retry-After, redaction."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from core import outbound
from core.outbound import Outcome


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, "success"),
        (204, "success"),
        (301, "permanent"),
        (302, "permanent"),
        (400, "permanent"),
        (401, "permanent"),
        (404, "permanent"),
        (408, "retryable"),
        (425, "retryable"),
        (429, "retryable"),
        (500, "retryable"),
        (503, "retryable"),
    ],
)
def test_statuses_are_classified(status, kind):
    assert Outcome.of_status(status).kind == kind


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (outbound.OutboundRefused("refused"), "rejected"),
        (outbound.OutboundUnresolvable("no such name"), "retryable"),
        (outbound.OutboundConnectTimeout("no connection"), "retryable"),
        (outbound.OutboundTimeout("no answer"), "retryable"),
        (outbound.OutboundTLSError("bad certificate"), "retryable"),
        (outbound.OutboundTooLarge("too big"), "permanent"),
        (ConnectionResetError("reset"), "retryable"),
    ],
)
def test_errors_are_classified(error, kind):
    assert Outcome.of_error(error).kind == kind


def test_retry_after_in_seconds_and_as_an_http_date():
    now = datetime(2025, 11, 6, 10, 30, tzinfo=UTC)
    assert outbound.parse_retry_after("120") == 120.0
    assert outbound.parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert outbound.parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now=now) == 0.0
    assert outbound.parse_retry_after("soon") is None
    assert outbound.parse_retry_after("") is None


def test_the_outcome_carries_the_providers_status_and_retry_after():
    outcome = Outcome.of_status(429, {"Retry-After": "30", "Content-Type": "application/json"})
    assert (outcome.kind, outcome.status_code, outcome.retry_after) == ("retryable", 429, 30.0)
    assert outcome.error == "HTTP 429"


def test_errors_are_redacted_of_credentials_and_query_values():
    text = (
        "Cannot reach https://user:hunter2@api.example.com/v1/charges?api_key=sk_live_123&x=1 "
        "(Max retries exceeded with url: /v1/charges?token=abc123)"
    )
    redacted = outbound.redact(text)
    for secret in ("hunter2", "user:", "sk_live_123", "abc123"):
        assert secret not in redacted
    assert "https://api.example.com/v1/charges?api_key=" in redacted
    assert Outcome.of_status(500, error=text).error == redacted
