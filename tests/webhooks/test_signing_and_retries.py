"""Signing verified by the standardwebhooks library, and the retry policy."""

import base64
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from webhooks import retries, signing


def sign(secrets: list[str], body: bytes = b'{"type":"order.created"}') -> dict[str, str]:
    import time

    return signing.headers(secrets, msg_id="msg_1", timestamp=int(time.time()), body=body)


def test_a_new_secret_is_whsec_and_32_random_bytes():
    secret = signing.secret_generate()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != signing.secret_generate()


def test_the_signature_verifies_with_standardwebhooks():
    secret = signing.secret_generate()
    body = b'{"type":"order.created","data":{"orderId":"o-1"}}'
    assert Webhook(secret).verify(body, sign([secret], body))["data"] == {"orderId": "o-1"}


def test_both_secrets_verify_during_rotation_and_a_stranger_does_not():
    old, new = signing.secret_generate(), signing.secret_generate()
    headers = sign([new, old])
    assert Webhook(old).verify(b'{"type":"order.created"}', headers)
    assert Webhook(new).verify(b'{"type":"order.created"}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.secret_generate()).verify(b'{"type":"order.created"}', headers)


def test_a_tampered_body_does_not_verify():
    secret = signing.secret_generate()
    headers = sign([secret], b'{"amount":1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"amount":1000}', headers)


@pytest.mark.parametrize(
    ("status", "kind", "retry"),
    [
        (500, "", True),
        (503, "", True),
        (429, "", True),
        (None, "timeout", True),
        (None, "connection", True),
        (400, "", False),
        (404, "", False),
        (410, "", False),
        (302, "", False),
        (None, "unsafe_url", False),
    ],
)
def test_what_is_retried(status, kind, retry):
    assert retries.is_retryable(status_code=status, error_kind=kind) is retry


def test_the_schedule_is_followed_with_bounded_jitter(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 5, 300, 1800]
    settings.WEBHOOK_RETRY_JITTER_PERCENT = 10
    for number, base in [(1, 5), (2, 300), (3, 1800), (7, 1800)]:
        delays = [retries.retry_delay(retry_number=number) for _ in range(50)]
        assert all(base <= d <= base * 1.1 for d in delays)
        assert len(set(delays)) > 1  # jittered, not fixed


def test_retry_after_is_honoured_and_clamped(settings):
    settings.WEBHOOK_RETRY_AFTER_MIN = 1
    settings.WEBHOOK_RETRY_AFTER_MAX = 3600
    assert retries.retry_delay(retry_number=1, retry_after="120") == 120
    assert retries.retry_delay(retry_number=1, retry_after="0") == 1
    assert retries.retry_delay(retry_number=1, retry_after="999999") == 3600
    http_date = format_datetime(datetime.now(UTC) + timedelta(seconds=600), usegmt=True)
    assert 590 <= retries.retry_delay(retry_number=1, retry_after=http_date) <= 600
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 5]
    settings.WEBHOOK_RETRY_JITTER_PERCENT = 0
    assert retries.retry_delay(retry_number=1, retry_after="soon") == 5  # unparseable: the schedule
