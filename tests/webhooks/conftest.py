"""Fixtures of the webhooks tests: loopback allowed, short retry delays, endpoints and a real worker."""

import subprocess
from collections.abc import Callable, Iterator

import pytest

from tests.support.factories import EndpointFactory
from tests.support.processes import purge_queues, start_worker, stop
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


@pytest.fixture(scope="module")
def webhook_worker(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """A real Celery worker consuming the webhook queues, shared by a module's end-to-end tests."""
    with django_db_blocker.unblock():
        purge_queues(*QUEUES.split(","))
        proc = start_worker(queues=QUEUES, concurrency=2, extra_env=FAST_ENV)
    yield proc
    stop(proc)


@pytest.fixture
def endpoint_for(company) -> Callable[..., Endpoint]:
    def make(url: str, events: list[str] | None = None, **kwargs) -> Endpoint:
        return EndpointFactory(company=company, url=url, events=events or ["order.*"], **kwargs)

    return make
