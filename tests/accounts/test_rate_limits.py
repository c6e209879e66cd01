"""Rate limits: atomic under concurrency, headers on every limited response, 429 envelope."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts.ratelimit import rate_limit_hit

pytestmark = pytest.mark.django_db


def test_fifty_parallel_hits_against_a_limit_of_twenty_admit_exactly_twenty():
    # given a fresh bucket with a limit of 20
    barrier = threading.Barrier(50)

    def hit(_):
        barrier.wait()
        return rate_limit_hit("test:parallel", limit=20).allowed

    # when 50 threads hit it at once
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(hit, range(50)))
    # then exactly 20 are admitted
    assert results.count(True) == 20


def test_fifty_parallel_requests_through_the_server_admit_exactly_twenty(live_server, company, make_key):
    # given a key limited to 20 requests per minute, served by a real HTTP server
    key = make_key(company, rate_limit=20)["HTTP_X_API_KEY"]
    barrier = threading.Barrier(50)

    def call(_):
        barrier.wait()
        return requests.get(f"{live_server.url}/api/v1/auth/me/", headers={"X-API-Key": key}, timeout=30).status_code

    # when 50 clients call at once
    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(call, range(50)))
    # then 20 pass and 30 are told to slow down
    assert codes.count(200) == 20
    assert codes.count(429) == 30


def test_a_limited_response_carries_headers_and_429_the_envelope(api, company, make_key):
    headers = make_key(company, rate_limit=10)
    responses = [api.get("/api/v1/auth/me/", **headers) for _ in range(11)]
    first, last = responses[0], responses[-1]
    assert first["X-RateLimit-Limit"] == "10"
    assert first["X-RateLimit-Remaining"] == "9"
    assert int(first["X-RateLimit-Reset"]) > 0
    assert [r.status_code for r in responses[:10]] == [200] * 10
    assert last.status_code == 429
    body = last.json()
    assert body["statusCode"] == 429 and body["error"] == "Too Many Requests"
    assert body["retryAfter"] >= 1
    assert last["Retry-After"] == str(body["retryAfter"])
    assert last["X-RateLimit-Remaining"] == "0"


@pytest.mark.urls("tests.accounts.urls_testing")
def test_an_endpoint_limit_applies_per_principal(api, company, make_key):
    a, b = make_key(company), make_key(company)
    codes = [api.get("/test/limited", **a).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert api.get("/test/limited", **b).status_code == 200
    assert api.get("/test/limited", **b)["X-RateLimit-Limit"] == "5"


def test_the_database_fallback_admits_exactly_the_limit(settings):
    from accounts import ratelimit

    results = [ratelimit._database_hit("test:db", limit=3, window_seconds=60) for _ in range(5)]
    assert [v.allowed for v in results] == [True, True, True, False, False]
    assert results[-1].retry_after >= 1


def test_people_signed_in_by_jwt_are_limited_too(api, owner_headers, settings):
    settings.USER_RATE_LIMIT_PER_MINUTE = 3
    codes = [api.get("/api/v1/auth/me/", **owner_headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_rate_limit_status_shows_what_remains(api, company, make_key):
    headers = make_key(company, rate_limit=10)
    for _ in range(3):
        api.get("/api/v1/auth/me/", **headers)
    first = api.get("/api/v1/monitoring/rate-limits", **headers).json()
    second = api.get("/api/v1/monitoring/rate-limits", **headers).json()
    assert first["limit"] == 10 and first["principal"]["type"] == "apiKey"
    # the status request itself is a request like any other
    assert (first["remaining"], second["remaining"]) == (6, 5)


def test_the_rate_limit_status_needs_credentials(api):
    assert api.get("/api/v1/monitoring/rate-limits").status_code == 401
