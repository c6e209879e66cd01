"""Fixtures of the webhooks tests: loopback allowed, short retry delays, receivers and a real worker."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings

from accounts.redis_client import get_redis
from tests.conftest import ROOT, start_worker, test_database_url
from webhooks import services
from webhooks.models import Endpoint

QUEUES = "webhooks,webhooks_sweep"

# The worker and this process share these: loopback receivers, second-scale retries, a 3 s claim lease.
FAST_ENV = {
    "HUB_ALLOW_LOCAL_TARGETS": "1",
    "WEBHOOK_RETRY_SCHEDULE": "0,1,1,1,1,1,1,1",
    "WEBHOOK_RETRY_JITTER_PERCENT": "0",
    "WEBHOOK_CONNECT_TIMEOUT": "1",
    "WEBHOOK_READ_TIMEOUT": "1",
    "WEBHOOK_CLAIM_LEASE": "3",
    "WEBHOOK_SWEEP_GRACE": "2",
}


@pytest.fixture(autouse=True)
def _webhook_settings(settings) -> None:
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 1, 1, 1, 1, 1, 1, 1]
    settings.WEBHOOK_RETRY_JITTER_PERCENT = 0
    settings.WEBHOOK_CONNECT_TIMEOUT = 1
    settings.WEBHOOK_READ_TIMEOUT = 1
    settings.WEBHOOK_CLAIM_LEASE = 3
    settings.WEBHOOK_SWEEP_GRACE = 2


def purge_queues() -> None:
    """Drop messages left in the webhook queues by earlier tests."""
    redis = get_redis()
    redis.delete("webhooks", "webhooks_sweep", "unacked", "unacked_index")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_beat(tmp_path, *, interval: int = 1) -> subprocess.Popen:
    """Start a real Celery beat (file scheduler) that sends the sweep task every `interval` seconds."""
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "WEBHOOK_SWEEP_INTERVAL": str(interval),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "-S",
            "celery.beat:PersistentScheduler",
            "-s",
            str(tmp_path / "beat-schedule"),
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    for line in proc.stdout:
        if "Starting" in line or time.monotonic() > deadline:
            break
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc


@pytest.fixture(scope="module")
def webhook_worker(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """A real Celery worker consuming the webhook queues, shared by a module's end-to-end tests."""
    with django_db_blocker.unblock():
        purge_queues()
        proc = start_worker(queues=QUEUES, concurrency=2, extra_env=FAST_ENV)
    yield proc
    stop(proc)


@pytest.fixture
def endpoint_for(company) -> Callable[..., Endpoint]:
    def make(url: str, events: list[str] | None = None, **kwargs) -> Endpoint:
        endpoint, _ = services.endpoint_create(
            company_id=company.id, name="Subscriber", url=url, events=events or ["order.*"], **kwargs
        )
        return endpoint

    return make


def wait_for(condition: Callable[[], object], timeout: float = 20.0, interval: float = 0.1) -> object:
    """Poll until the condition is truthy; fail the test after the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
