"""A real Celery worker on Redis makes the health check go green."""

import time

import pytest
from django.core.cache import cache

from monitoring.health import HEARTBEAT_CACHE_KEY

pytestmark = pytest.mark.e2e


def test_a_running_worker_turns_health_green(api, transactional_db):
    cache.delete(HEARTBEAT_CACHE_KEY)
    assert api.get("/api/v1/monitoring/health").status_code == 503
    from tests.conftest import start_worker

    proc = start_worker()
    try:
        deadline = time.time() + 30
        while time.time() < deadline and api.get("/api/v1/monitoring/health").status_code != 200:
            time.sleep(0.5)
        assert api.get("/api/v1/monitoring/health").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
