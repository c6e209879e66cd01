"""Every error answers in the envelope; timestamps and request ids follow the wire rules."""

import re

import pytest

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"statusCode", "error", "message", "details"}


def _assert_envelope(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= ENVELOPE_KEYS
    assert body["statusCode"] == status
    assert body["message"]
    return body


def test_unknown_routes_answer_404_in_the_envelope(api):
    body = _assert_envelope(api.get("/api/v1/no-such-thing"), 404)
    assert body["error"] == "Not Found"
    _assert_envelope(api.get("/nowhere"), 404)


def test_a_wrong_method_answers_405(api, owner_headers):
    body = _assert_envelope(api.patch("/api/v1/auth/me/", {}, format="json", **owner_headers), 405)
    assert body["error"] == "Method Not Allowed"


def test_an_oversized_body_answers_413(api, owner_headers, settings):
    big = "x" * (1024 * 1024 + 1)
    body = _assert_envelope(api.post("/api/v1/api-keys/", big, content_type="application/json", **owner_headers), 413)
    assert body["details"]["limitBytes"] == 1024 * 1024


def test_an_unsupported_media_type_answers_415(api, owner_headers):
    response = api.post("/api/v1/api-keys/", "name=x", content_type="text/plain", **owner_headers)
    _assert_envelope(response, 415)


def test_malformed_json_answers_400(api, owner_headers):
    response = api.post("/api/v1/api-keys/", "{not json", content_type="application/json", **owner_headers)
    _assert_envelope(response, 400)


@pytest.mark.urls("tests.accounts.urls_testing")
def test_a_crash_answers_500_without_leaking_internals(company, make_key, caplog):
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)
    response = client.get("/test/boom", **make_key(company))
    body = _assert_envelope(response, 500)
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["error"] == "Internal Server Error"
    assert any("Unhandled error" in r.message for r in caplog.records)


def test_timestamps_are_utc_with_milliseconds(api, owner_headers):
    created = api.post("/api/v1/api-keys/", {"name": "k", "scopes": ["logs:read"]}, format="json", **owner_headers)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", created.json()["createdAt"])


def test_every_response_has_a_request_id_and_a_sane_one_is_kept(api):
    assert re.fullmatch(r"[0-9a-f]{32}", api.get("/api/v1/monitoring/health")["X-Request-Id"])
    assert api.get("/api/v1/monitoring/health", HTTP_X_REQUEST_ID="abc-123")["X-Request-Id"] == "abc-123"
    assert api.get("/api/v1/monitoring/health", HTTP_X_REQUEST_ID="bad id\n")["X-Request-Id"] != "bad id\n"


def test_the_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert {"ApiKeyAuth", "jwtAuth"} <= set(schema.json()["components"]["securitySchemes"])
    assert api.get("/api/docs/").status_code == 200


def test_timestamps_keep_four_digit_years():
    from datetime import UTC, datetime

    from config.api.fields import isoformat_ms

    assert isoformat_ms(datetime(241, 10, 23, 14, 36, 2, 413999, tzinfo=UTC)) == "0241-10-23T14:36:02.413Z"


def test_json_with_nul_characters_answers_400(api, owner_headers):
    response = api.post(
        "/api/v1/api-keys/",
        '{"name": "x", "scopes": ["logs:read"], "meta": {"\\u0000": 1}}',
        content_type="application/json",
        **owner_headers,
    )
    _assert_envelope(response, 400)
    assert "NUL" in response.json()["details"]["meta"][0]
