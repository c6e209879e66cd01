"""API keys: create, use, rotate with grace, revoke, expire, scopes, usage, tenant isolation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


def _create(api, headers, **body):
    payload = {"name": "POS integration", "scopes": ["orders:read", "orders:write"], "rateLimit": 100, **body}
    return api.post("/api/v1/api-keys/", payload, format="json", **headers)


def test_create_returns_the_full_key_once_and_stores_only_a_hash(api, owner_headers):
    # when
    response = _create(api, owner_headers)
    # then
    assert response.status_code == 201
    body = response.json()
    raw = body["key"]
    assert raw.startswith("ihk_") and len(raw) == 47
    assert body["keyPrefix"] == raw[:12]
    assert body["scopes"] == ["orders:read", "orders:write"] and body["rateLimit"] == 100
    assert body["status"] == "active"
    stored = ApiKey.objects.get(pk=body["id"])
    assert raw not in (stored.hashed_key, stored.key_prefix)
    listed = api.get("/api/v1/api-keys/", **owner_headers).json()
    assert "key" not in listed["apiKeys"][0]
    assert listed["pagination"] == {
        "page": 1,
        "limit": 20,
        "total": 1,
        "totalPages": 1,
        "hasNext": False,
        "hasPrev": False,
    }
    assert "key" not in api.get(f"/api/v1/api-keys/{body['id']}/", **owner_headers).json()


def test_the_key_authenticates_and_a_rotated_key_works_beside_the_old_one_until_revoked(api, owner_headers):
    created = _create(api, owner_headers).json()
    old = {"HTTP_X_API_KEY": created["key"]}
    assert api.get("/api/v1/auth/me/", **old).status_code == 200

    # rotate: both keys work during the grace period
    rotated = api.post(f"/api/v1/api-keys/{created['id']}/rotate/", {"graceHours": 2}, format="json", **owner_headers)
    assert rotated.status_code == 201
    new = {"HTTP_X_API_KEY": rotated.json()["key"]}
    assert rotated.json()["key"] != created["key"]
    assert api.get("/api/v1/auth/me/", **old).status_code == 200
    assert api.get("/api/v1/auth/me/", **new).status_code == 200
    old_row = api.get(f"/api/v1/api-keys/{created['id']}/", **owner_headers).json()
    assert old_row["replacedById"] == rotated.json()["id"]
    assert old_row["expiresAt"] is not None

    # revoke the old one: 401 at once, and it stays listed as revoked
    revoked = api.delete(f"/api/v1/api-keys/{created['id']}/", **owner_headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    response = api.get("/api/v1/auth/me/", **old)
    assert response.status_code == 401
    assert response.json()["message"] == "This API key has been revoked."
    assert api.get("/api/v1/auth/me/", **new).status_code == 200
    statuses = {k["id"]: k["status"] for k in api.get("/api/v1/api-keys/", **owner_headers).json()["apiKeys"]}
    assert statuses[created["id"]] == "revoked"


def test_after_the_grace_period_the_old_key_answers_401(api, owner_headers):
    created = _create(api, owner_headers).json()
    api.post(f"/api/v1/api-keys/{created['id']}/rotate/", {}, format="json", **owner_headers)
    ApiKey.objects.filter(pk=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    from accounts.keys import api_key_cache_invalidate, api_key_hash

    api_key_cache_invalidate(api_key_hash(created["key"]))
    response = api.get("/api/v1/auth/me/", HTTP_X_API_KEY=created["key"])
    assert response.status_code == 401
    assert response.json()["message"] == "This API key has expired."


def test_an_expired_key_answers_401(api, company, make_key):
    headers = make_key(company, expires_at=timezone.now() - timedelta(minutes=1))
    response = api.get("/api/v1/auth/me/", **headers)
    assert response.status_code == 401
    assert response.json()["message"] == "This API key has expired."


@pytest.mark.parametrize("raw", ["nope", "ihk_short", "Bearer x", "ihk_" + "a" * 44])
def test_a_malformed_key_answers_401(api, raw):
    response = api.get("/api/v1/auth/me/", HTTP_X_API_KEY=raw)
    assert response.status_code == 401
    assert response.json()["message"].startswith("Malformed API key")


def test_an_unknown_well_formed_key_answers_401(api):
    response = api.get("/api/v1/auth/me/", HTTP_X_API_KEY="ihk_" + "a" * 43)
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid API key."


def test_an_unknown_scope_is_refused_naming_the_allowed_ones(api, owner_headers):
    response = _create(api, owner_headers, scopes=["orders:read", "root:all"])
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400
    assert "root:all" in body["details"]["scopes"][0]
    assert "webhooks:manage" in body["details"]["scopes"][0]


@pytest.mark.parametrize(
    "bad", [{"rateLimit": 9}, {"rateLimit": 1001}, {"name": ""}, {"expiresAt": "2001-01-01T00:00:00Z"}]
)
def test_bad_key_settings_answer_400(api, owner_headers, bad):
    response = _create(api, owner_headers, **bad)
    assert response.status_code == 400
    assert set(response.json()["details"]) == {next(iter(bad))}


def test_update_changes_scopes_and_limit_at_once(api, owner_headers):
    created = _create(api, owner_headers).json()
    key = {"HTTP_X_API_KEY": created["key"]}
    api.get("/api/v1/auth/me/", **key)  # warm the cache
    response = api.put(
        f"/api/v1/api-keys/{created['id']}/", {"scopes": ["logs:read"], "rateLimit": 50}, format="json", **owner_headers
    )
    assert response.status_code == 200
    assert response.json()["scopes"] == ["logs:read"] and response.json()["rateLimit"] == 50
    me = api.get("/api/v1/auth/me/", **key)
    assert me.json()["scopes"] == ["logs:read"]
    assert me["X-RateLimit-Limit"] == "50"


def test_api_keys_cannot_manage_keys(api, company, make_key):
    headers = make_key(company)
    response = api.get("/api/v1/api-keys/", **headers)
    assert response.status_code == 403
    assert "API keys cannot" in response.json()["message"]


def test_members_and_viewers_cannot_manage_keys(api, company, make_user, jwt_headers):
    member = make_user("member@acme.example", company, "member")
    response = api.post(
        "/api/v1/api-keys/", {"name": "x", "scopes": ["logs:read"]}, format="json", **jwt_headers(member)
    )
    assert response.status_code == 403


def test_another_companys_key_is_404(api, owner_headers, other_company, make_user, jwt_headers):
    # given a key of company A
    created = _create(api, owner_headers).json()
    # when company B's owner asks for it
    other_owner = make_user("boss@other.example", other_company, "owner")
    b = jwt_headers(other_owner)
    # then every route answers 404
    assert api.get(f"/api/v1/api-keys/{created['id']}/", **b).status_code == 404
    assert api.put(f"/api/v1/api-keys/{created['id']}/", {"name": "x"}, format="json", **b).status_code == 404
    assert api.delete(f"/api/v1/api-keys/{created['id']}/", **b).status_code == 404
    assert api.post(f"/api/v1/api-keys/{created['id']}/rotate/", {}, format="json", **b).status_code == 404
    assert api.get(f"/api/v1/api-keys/{created['id']}/usage/", **b).status_code == 404
    assert api.get("/api/v1/api-keys/", **b).json()["pagination"]["total"] == 0


@pytest.mark.urls("tests.accounts.urls_testing")
def test_a_missing_scope_answers_403_with_required_scopes(api, company, make_key):
    headers = make_key(company, scopes=["orders:read"])
    assert api.get("/test/scoped", **headers).status_code == 200
    response = api.post("/test/scoped", {}, format="json", **headers)
    assert response.status_code == 403
    body = response.json()
    assert body["requiredScopes"] == ["orders:write"]
    assert body["details"]["requiredScopes"] == ["orders:write"]


@pytest.mark.urls("tests.accounts.urls_testing")
def test_usage_counts_requests_by_day_endpoint_and_status(api, owner_headers, flush_usage):
    created = _create(api, owner_headers, scopes=["orders:read"]).json()
    key = {"HTTP_X_API_KEY": created["key"]}
    for _ in range(3):
        assert api.get("/test/scoped", **key).status_code == 200
    assert api.post("/test/scoped", {}, format="json", **key).status_code == 403
    flush_usage()
    usage = api.get(f"/api/v1/api-keys/{created['id']}/usage/", **owner_headers).json()
    assert usage["totalRequests"] == 4
    assert usage["byStatus"] == {"2xx": 3, "3xx": 0, "4xx": 1, "5xx": 0}
    assert usage["perDay"][-1]["requests"] == 4 and len(usage["perDay"]) == 30
    assert {e["endpoint"]: e["requests"] for e in usage["byEndpoint"]} == {
        "GET /test/scoped": 3,
        "POST /test/scoped": 1,
    }
    assert usage["lastUsedAt"] is not None


def test_key_routes_work_without_a_trailing_slash(api, owner_headers):
    assert api.get("/api/v1/api-keys", **owner_headers).status_code == 200
