"""Per-principal rate limits of source API 000: 100/min for the lists, 30/min stats, 50/min errors."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/api/v1/logs", 100), ("/api/v1/logs/stats", 30), ("/api/v1/logs/errors", 50)],
)
def test_each_log_endpoint_stops_a_principal_at_its_seed_limit(api, company, make_key, path, limit):
    # given a key whose own limit is far above the endpoint's
    headers = make_key(company, scopes=["logs:read"], rate_limit=1000)
    # when
    statuses = [api.get(path, **headers).status_code for _ in range(limit)]
    over = api.get(path, **headers)
    # then
    assert statuses == [200] * limit
    assert over.status_code == 429
    body = over.json()
    assert body["statusCode"] == 429
    assert body["retryAfter"] >= 1
    assert over["Retry-After"]
    assert over["X-RateLimit-Limit"] == str(limit)


def test_the_limit_is_per_principal(api, company, make_key):
    first = make_key(company, scopes=["logs:read"], rate_limit=1000)
    second = make_key(company, scopes=["logs:read"], rate_limit=1000)
    for _ in range(30):
        api.get("/api/v1/logs/stats", **first)
    assert api.get("/api/v1/logs/stats", **first).status_code == 429
    assert api.get("/api/v1/logs/stats", **second).status_code == 200
