"""The public health check names what is down."""

import pytest
from django.core.cache import cache

from monitoring.health import HEARTBEAT_CACHE_KEY, worker_heartbeat_record

pytestmark = pytest.mark.django_db


def test_health_is_200_when_everything_is_up(api):
    worker_heartbeat_record()
    response = api.get("/api/v1/monitoring/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    for name in ("database", "cache", "broker", "worker"):
        assert body["components"][name]["status"] == "up"
        assert body["components"][name]["latencyMs"] >= 0


def test_health_is_503_naming_a_missing_worker(api):
    cache.delete(HEARTBEAT_CACHE_KEY)
    response = api.get("/api/v1/monitoring/health")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["worker"]
    assert body["statusCode"] == 503 and "worker" in body["message"]
