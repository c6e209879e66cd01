"""The health check right after start: no 503 while the first worker heartbeat is on its way, no ERROR per probe."""

import logging
import time

import pytest
from django.core.cache import cache

from monitoring import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_heartbeat():
    cache.delete(health.HEARTBEAT_CACHE_KEY)


def test_a_server_that_just_started_answers_200_with_the_worker_starting(api, no_heartbeat, monkeypatch):
    # given a web server that started a moment ago (config/wsgi.py notes it)
    monkeypatch.setattr(health, "_serving_since", time.monotonic())
    # when
    response = api.get("/api/v1/monitoring/health")
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "starting"
    assert response.json()["components"]["worker"]["status"] == "starting"


def test_after_the_grace_period_a_missing_worker_is_down(api, no_heartbeat, monkeypatch, settings):
    monkeypatch.setattr(health, "_serving_since", time.monotonic() - settings.WORKER_HEARTBEAT_MAX_AGE - 1)
    response = api.get("/api/v1/monitoring/health")
    assert response.status_code == 503
    assert response.json()["down"] == ["worker"]


def test_a_503_health_answer_is_one_warning_not_an_error(api, no_heartbeat, caplog):
    with caplog.at_level(logging.INFO):
        response = api.get("/api/v1/monitoring/health")
    assert response.status_code == 503
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "Health check" in r.getMessage()]
    assert len(warnings) == 1 and "worker" in warnings[0].getMessage()
