"""Shared fixtures: companies, people, JWTs, API keys, and real worker processes."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Company, Membership
from accounts.redis_client import get_redis
from accounts.scopes import ALL_SCOPES
from accounts.usage import usage_buffer
from logs.requestlog import request_log_buffer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _clean_redis() -> None:
    client = get_redis()
    assert client is not None, "the suite runs against real Redis: set REDIS_URL (make test does)"
    client.flushdb()


@pytest.fixture(scope="session", autouse=True)
def _no_background_flushes() -> None:
    # Buffers flushed by a background thread would commit rows from another connection,
    # outside the test's transaction; tests flush by hand instead.
    settings.API_KEY_USAGE_FLUSH_SECONDS = 0
    settings.LOG_REQUEST_FLUSH_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    yield
    usage_buffer.reset_after_fork()  # drop counts of the test's keys, whose rows are rolled back
    request_log_buffer.stop()
    client = get_redis()
    keys = list(client.scan_iter("rl:*", count=1000))
    if keys:
        client.delete(*keys)  # each test starts with fresh rate-limit windows


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def company(db) -> Company:
    return services.company_create(name="Acme Foods", slug="acme")


@pytest.fixture
def other_company(db) -> Company:
    return services.company_create(name="Other Co", slug="other")


@pytest.fixture
def make_user(db, django_user_model) -> Callable:
    def make(username: str, company: Company | None = None, role: str = "owner", password: str = "s3cret-pass!"):
        user = django_user_model.objects.create_user(username=username, email=username, password=password)
        if company is not None:
            Membership.objects.create(user=user, company=company, role=role)
        return user

    return make


@pytest.fixture
def jwt_headers(api) -> Callable:
    """Return headers carrying an access token for the user in the company."""

    def headers(user, company: Company | None = None, password: str = "s3cret-pass!") -> dict[str, str]:
        body = {"username": user.username, "password": password}
        if company is not None:
            body["company"] = company.slug
        response = api.post("/api/v1/auth/token/", body, format="json")
        assert response.status_code == 200, response.content
        return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access']}"}

    return headers


@pytest.fixture
def owner(make_user, company):
    return make_user("owner@acme.example", company, "owner")


@pytest.fixture
def owner_headers(owner, company, jwt_headers) -> dict[str, str]:
    return jwt_headers(owner, company)


@pytest.fixture
def make_key(db) -> Callable:
    """Create an API key and return the headers that use it."""

    def make(company: Company, scopes: list[str] | None = None, rate_limit: int = 1000, **kwargs) -> dict[str, str]:
        _, raw = services.api_key_create(
            company=company, name="test key", scopes=scopes or list(ALL_SCOPES), rate_limit=rate_limit, **kwargs
        )
        return {"HTTP_X_API_KEY": raw}

    return make


@pytest.fixture
def flush_usage() -> Callable[[], int]:
    return usage_buffer.flush


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """Return a DATABASE_URL for the test database pytest-django created (for subprocesses)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # not a test, despite its name


def start_worker(
    *, queues: str = "default", concurrency: int = 2, extra_env: dict | None = None, extra_args: list[str] | None = None
) -> subprocess.Popen:
    """Start a real Celery worker on the test database and Redis; returns once it is ready."""
    env = {**os.environ, "DATABASE_URL": test_database_url(), "REDIS_URL": settings.REDIS_URL, **(extra_env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            *(extra_args or []),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.time() + 60
    assert proc.stdout is not None
    for line in proc.stdout:
        if "ready." in line:
            break
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("the Celery worker did not start")
    # keep draining output so the worker never blocks on a full pipe
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[subprocess.Popen]:
    """A real Celery worker process (the test must use committed data: transactional_db)."""
    proc = start_worker()
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
