"""API request logs: every /api/ request recorded off the hot path, and GET /logs/requests."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logs.models import ApiRequestLog
from logs.requestlog import request_log_buffer

pytestmark = pytest.mark.django_db


def test_an_api_request_is_recorded_with_who_what_and_how_long(api, company, make_key, flush_requests):
    # given
    headers = make_key(company, scopes=["logs:read"])
    # when
    response = api.get(
        "/api/v1/logs?status=error&token=hunter2",
        HTTP_X_REQUEST_ID="req-42",
        HTTP_USER_AGENT="partner-sdk/1.2",
        REMOTE_ADDR="203.0.113.7",
        **headers,
    )
    flush_requests()
    # then
    assert response["X-Request-Id"] == "req-42"
    row = ApiRequestLog.objects.get(request_id="req-42")
    assert row.company_id == company.id
    assert row.api_key_id is not None
    assert (row.method, row.path, row.status_code) == ("GET", "/api/v1/logs", 200)
    assert row.route.startswith("api/v1/")
    assert row.duration_ms > 0
    assert row.ip_address == "203.0.113.7"
    assert row.user_agent == "partner-sdk/1.2"
    # the query string may carry credentials: it is never stored
    assert "hunter2" not in str(ApiRequestLog.objects.filter(pk=row.pk).values().first())


def test_recording_adds_no_database_write_to_the_request(api, company, make_key):
    headers = make_key(company, scopes=["logs:read"])
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/logs", **headers)
    assert not [q for q in queries.captured_queries if "logs_apirequestlog" in q["sql"]]
    assert request_log_buffer.pending() == 1


def test_failed_and_unauthenticated_requests_are_recorded_too(api, flush_requests):
    api.get("/api/v1/logs", HTTP_X_REQUEST_ID="anon-1")
    api.post("/api/v1/logs", {}, format="json", HTTP_X_REQUEST_ID="anon-2")
    flush_requests()
    rows = {r.request_id: r for r in ApiRequestLog.objects.filter(request_id__startswith="anon-")}
    assert rows["anon-1"].status_code == 401
    assert rows["anon-1"].company_id is None
    assert rows["anon-2"].method == "POST"


def test_a_nul_byte_in_the_path_does_not_spoil_the_batch(api, flush_requests):
    api.get("/api/v1/logs", HTTP_X_REQUEST_ID="fine-1")
    api.get("/api/v1/lo%00gs", HTTP_X_REQUEST_ID="nul-1", HTTP_USER_AGENT="bad\x00agent")
    assert flush_requests() == 2
    assert ApiRequestLog.objects.get(request_id="nul-1").path == "/api/v1/logs"


def test_requests_outside_the_api_are_not_recorded(client, flush_requests):
    client.get("/admin/login/")
    flush_requests()
    assert not ApiRequestLog.objects.exists()


def test_a_jwt_request_records_the_user(api, owner, owner_headers, flush_requests):
    api.get("/api/v1/logs", HTTP_X_REQUEST_ID="jwt-1", **owner_headers)
    flush_requests()
    assert ApiRequestLog.objects.get(request_id="jwt-1").user_id == owner.id


def test_the_buffer_is_bounded_and_counts_what_it_drops(settings):
    settings.LOG_REQUEST_BUFFER_MAX = 3
    for k in range(5):
        request_log_buffer.record({"request_id": str(k)})
    assert request_log_buffer.pending() == 3
    assert request_log_buffer.dropped == 2


def test_the_request_log_list_filters_and_pages(api, company, make_key, flush_requests):
    # given
    headers = make_key(company, scopes=["logs:read"])
    api.get("/api/v1/logs", HTTP_X_REQUEST_ID="a-1", **headers)
    api.get("/api/v1/logs/stats", HTTP_X_REQUEST_ID="a-2", **headers)
    api.get("/api/v1/logs?status=bad", HTTP_X_REQUEST_ID="a-3", **headers)
    api.delete("/api/v1/logs", HTTP_X_REQUEST_ID="a-4", **headers)
    flush_requests()
    # when
    body = api.get("/api/v1/logs/requests?limit=2", **headers).json()
    # then
    assert set(body) == {"requests", "pagination"}
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 4, "totalPages": 2, "hasNext": True, "hasPrev": False}
    assert set(body["requests"][0]) == {
        "id",
        "requestId",
        "method",
        "path",
        "route",
        "statusCode",
        "durationMs",
        "ipAddress",
        "userAgent",
        "apiKeyId",
        "userId",
        "timestamp",
    }
    assert body["requests"][0]["requestId"] == "a-4"  # newest first

    def ids(query: str) -> set[str]:
        response = api.get(f"/api/v1/logs/requests?{query}", **headers)
        assert response.status_code == 200, response.content
        return {r["requestId"] for r in response.json()["requests"]} - {None}

    assert ids("statusCode=400") == {"a-3"}
    assert ids("statusClass=4xx") == {"a-3", "a-4"}  # a-4 answered 405
    assert ids("statusClass=2xx") == {"a-1", "a-2"}
    assert ids("method=DELETE") == {"a-4"}
    assert ids("path=/api/v1/logs/stats") == {"a-2"}
    assert ids("requestId=a-1") == {"a-1"}
    assert ids("minDurationMs=0") >= {"a-1", "a-2", "a-3", "a-4"}
    key_id = ApiRequestLog.objects.get(request_id="a-1").api_key_id
    assert ids(f"apiKeyId={key_id}") >= {"a-1", "a-2"}
    assert ids(f"apiKeyId={uuid.uuid4()}") == set()


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("method=FETCH", "Invalid method. Must be one of: GET, POST"),
        ("statusCode=99", "statusCode must be an HTTP status code"),
        ("statusClass=6xx", "Invalid statusClass. Must be one of: 2xx, 3xx, 4xx, 5xx"),
        ("apiKeyId=nope", "apiKeyId must be a UUID"),
        ("limit=101", "limit must be an integer between 1 and 100"),
        ("startDate=2025-11-06&endDate=2025-11-01", "startDate must not be after endDate"),
    ],
)
def test_bad_request_log_filters_answer_400(api, company, make_key, query, fragment):
    response = api.get(f"/api/v1/logs/requests?{query}", **make_key(company, scopes=["logs:read"]))
    assert response.status_code == 400
    assert fragment in response.json()["message"]


def test_another_companys_requests_are_invisible(api, company, other_company, make_key, flush_requests):
    theirs = make_key(other_company, scopes=["logs:read"])
    api.get("/api/v1/logs", HTTP_X_REQUEST_ID="theirs-1", **theirs)
    flush_requests()
    mine = make_key(company, scopes=["logs:read"])
    body = api.get("/api/v1/logs/requests?requestId=theirs-1", **mine).json()
    assert body["requests"] == []
    assert body["pagination"]["total"] == 0
