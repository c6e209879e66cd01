"""A real Celery worker on Redis makes the health check go green."""

import pytest
from django.core.cache import cache

from monitoring.health import HEARTBEAT_CACHE_KEY
from tests.support.processes import start_worker, stop
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


def test_a_running_worker_turns_health_green(api, transactional_db):
    cache.delete(HEARTBEAT_CACHE_KEY)
    assert api.get("/api/v1/monitoring/health").status_code == 503
    proc = start_worker()
    try:
        wait_until(lambda: api.get("/api/v1/monitoring/health").status_code == 200, 30, interval=0.5)
        assert api.get("/api/v1/monitoring/health").status_code == 200
    finally:
        stop(proc)
