"""Shared fixtures: companies, people, JWTs, API keys, provider stand-ins, an SMTP server and real workers.

The helpers behind them live in tests/support/ (stand-ins, waiting, processes, factories,
payloads); this module only turns them into fixtures. Each xdist worker has its own Redis
database and broker keys (tests/support/isolation.py), so what a fixture here deletes is
its own worker's data.
"""

import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import Company
from accounts.redis_client import get_redis
from accounts.usage import usage_buffer
from integrations.models import Integration
from logs.requestlog import request_log_buffer
from tests.support.factories import (
    PASSWORD,
    ApiKeyFactory,
    CompanyFactory,
    IntegrationFactory,
    MembershipFactory,
    UserFactory,
)
from tests.support.http import StandIn
from tests.support.processes import ROOT, free_port, start_worker, stop, test_database_url  # noqa: F401 (re-exported)
from tests.support.smtp import SmtpRecorder


@pytest.fixture(scope="session", autouse=True)
def _clean_redis() -> None:
    client = get_redis()
    assert client is not None, "the suite runs against real Redis: set REDIS_URL (make test does)"
    # This database belongs to this xdist worker alone (tests/support/isolation.py): start it empty.
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
        client.delete(*keys)  # each test starts with fresh rate-limit windows (this worker's database only)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def company(db) -> Company:
    return CompanyFactory(name="Acme Foods", slug="acme")


@pytest.fixture
def other_company(db) -> Company:
    return CompanyFactory(name="Other Co", slug="other")


@pytest.fixture
def make_user(db) -> Callable:
    def make(username: str, company: Company | None = None, role: str = "owner", password: str = PASSWORD):
        user = UserFactory(username=username, password=password)
        if company is not None:
            MembershipFactory(user=user, company=company, role=role)
        return user

    return make


@pytest.fixture
def jwt_headers(api) -> Callable:
    """Return headers carrying an access token for the user in the company."""

    def headers(user, company: Company | None = None, password: str = PASSWORD) -> dict[str, str]:
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
        if scopes:
            kwargs["scopes"] = scopes
        return {"HTTP_X_API_KEY": ApiKeyFactory(company=company, rate_limit=rate_limit, **kwargs).raw}

    return make


@pytest.fixture
def staff_client(client, django_user_model):
    """A Django test client signed in to the admin as the superuser "ops" (admin actions record "admin:ops")."""
    client.force_login(django_user_model.objects.create_superuser("ops", "ops@example.com", "pw-ops-123"))
    return client


@pytest.fixture
def flush_usage() -> Callable[[], int]:
    return usage_buffer.flush


@pytest.fixture
def make_integration(db) -> Callable[..., Integration]:
    """Create an integration through the service; the name defaults to a unique one per provider."""

    def make(company, provider: str, config: dict, name: str | None = None, **fields: Any) -> Integration:
        if name is not None:
            fields["name"] = name
        return IntegrationFactory(company=company, provider=provider, config=config, **fields)

    return make


@pytest.fixture
def post_inbound(api) -> Callable[..., Any]:
    """POST raw bytes to an integration's receiver, with extra headers given as HTTP header names."""

    def post(integration_id, body: bytes, headers: dict[str, str] | None = None, content_type="application/json"):
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()}
        return api.generic("POST", f"/api/v1/inbound/{integration_id}/", body, content_type=content_type, **meta)

    return post


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    """A loopback provider stand-in (tests/support/http.py)."""
    with StandIn() as server:
        yield server


@pytest.fixture
def second_stand_in() -> Iterator[StandIn]:
    """Another stand-in, for failover between two providers."""
    with StandIn() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpRecorder, int]]:
    """A real SMTP server on loopback (aiosmtpd)."""
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[subprocess.Popen]:
    """A real Celery worker process (the test must use committed data: transactional_db)."""
    proc = start_worker()
    yield proc
    stop(proc)
