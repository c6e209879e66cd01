"""The five endpoints of source API 000, pinned to the key: parameters, defaults, limits, shapes, errors."""

import re
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.django_db

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LOG_KEYS = {
    "id",
    "productId",
    "integrationType",
    "operation",
    "status",
    "message",
    "errorDetails",
    "externalProductId",
    "externalSku",
    "metadata",
    "timestamp",
    "userId",
}
PAGINATION_KEYS = {"page", "limit", "total", "totalPages", "hasNext", "hasPrev"}
ENVELOPE_KEYS = {"statusCode", "error", "message", "details"}


def _bad(response, *fragments: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) >= ENVELOPE_KEYS
    assert body["statusCode"] == 400
    assert body["error"] == "Bad Request"
    for fragment in fragments:
        assert fragment in body["message"], body["message"]
    return body


# --- GET /logs -----------------------------------------------------------------------------


def test_the_list_answers_the_seed_shape_with_its_defaults(api, company, reader, make_logs):
    # given
    make_logs(
        company,
        25,
        product_id=456,
        external_product_id="789",
        external_sku="WC-456",
        message="Product exported successfully",
        metadata={"wooCommerceUrl": "https://example.com/product/test-product", "api_key": "secret"},
        user_id=1,
    )
    # when
    response = api.get("/api/v1/logs", **reader)
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"logs", "pagination"}
    assert body["pagination"] == {
        "page": 1,
        "limit": 20,
        "total": 25,
        "totalPages": 2,
        "hasNext": True,
        "hasPrev": False,
    }
    assert len(body["logs"]) == 20
    first = body["logs"][0]
    assert set(first) == LOG_KEYS
    assert first["productId"] == 456
    assert first["integrationType"] == "woocommerce"
    assert first["externalProductId"] == "789"
    assert first["externalSku"] == "WC-456"
    assert first["userId"] == 1
    assert TS.match(first["timestamp"])
    # metadata keeps its own keys (not camelized) and secrets are redacted
    assert first["metadata"] == {"wooCommerceUrl": "https://example.com/product/test-product", "api_key": "[REDACTED]"}
    # default sort: timestamp, newest first
    stamps = [log["timestamp"] for log in body["logs"]]
    assert stamps == sorted(stamps, reverse=True)


def test_the_list_pages_with_page_and_limit(api, company, reader, make_logs):
    make_logs(company, 15)
    body = api.get("/api/v1/logs?page=2&limit=10", **reader).json()
    assert len(body["logs"]) == 5
    assert body["pagination"] == {
        "page": 2,
        "limit": 10,
        "total": 15,
        "totalPages": 2,
        "hasNext": False,
        "hasPrev": True,
    }
    beyond = api.get("/api/v1/logs?page=9&limit=10", **reader).json()
    assert beyond["logs"] == []
    assert beyond["pagination"]["total"] == 15


def test_the_list_filters_by_every_documented_parameter(api, company, reader, make_logs):
    # given
    make_logs(company, 2, integration_type="woocommerce", operation="export", status="success", product_id=1)
    make_logs(company, 3, integration_type="amazon", operation="update", status="error", product_id=2)
    make_logs(company, 1, integration_type="shopify", operation="delete", status="pending", product_id=3)
    make_logs(company, 4, integration_type="amazon", operation="export", status="success", ago=timedelta(days=10))

    def total(query: str) -> int:
        response = api.get(f"/api/v1/logs?{query}", **reader)
        assert response.status_code == 200, response.content
        return response.json()["pagination"]["total"]

    # then
    assert total("integrationType=amazon") == 7
    assert total("operation=export") == 6
    assert total("status=error") == 3
    assert total("productId=2") == 3
    assert total("integrationType=amazon&status=success") == 4
    five_days_ago = (datetime.now(UTC) - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert total(f"startDate={five_days_ago}") == 6
    assert total(f"endDate={five_days_ago}") == 4
    assert total(f"startDate={(datetime.now(UTC) - timedelta(days=11)).date()}&endDate={five_days_ago}") == 4


def test_dates_with_any_offset_are_compared_in_utc(api, company, reader, make_logs):
    make_logs(company, 2)
    since = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None).isoformat(timespec="seconds")
    # the same moment written with a +20:29 offset, which PostgreSQL itself would refuse
    shifted = (datetime.fromisoformat(since) + timedelta(hours=20, minutes=29)).isoformat() + "%2B20:29"
    assert api.get(f"/api/v1/logs?startDate={shifted}", **reader).json()["pagination"]["total"] == 2
    assert api.get(f"/api/v1/logs/requests?startDate={shifted}", **reader).status_code == 200


def test_a_date_only_end_date_includes_that_whole_day(api, company, reader, make_logs):
    make_logs(company, 2)
    today = datetime.now(UTC).date().isoformat()
    assert api.get(f"/api/v1/logs?endDate={today}", **reader).json()["pagination"]["total"] == 2
    assert api.get(f"/api/v1/logs?startDate={today}&endDate={today}", **reader).json()["pagination"]["total"] == 2


def test_the_list_sorts_by_timestamp_product_id_and_status_both_ways(api, company, reader, make_logs):
    make_logs(company, 1, product_id=5, status="success", ago=timedelta(minutes=3))
    make_logs(company, 1, product_id=9, status="error", ago=timedelta(minutes=2))
    make_logs(company, 1, product_id=1, status="pending", ago=timedelta(minutes=1))

    def column(query: str, key: str) -> list:
        return [log[key] for log in api.get(f"/api/v1/logs?{query}", **reader).json()["logs"]]

    assert column("sortBy=productId&sortOrder=asc", "productId") == [1, 5, 9]
    assert column("sortBy=productId", "productId") == [9, 5, 1]
    assert column("sortBy=status&sortOrder=asc", "status") == ["error", "pending", "success"]
    assert column("sortBy=timestamp&sortOrder=asc", "productId") == [5, 9, 1]
    assert column("sortOrder=desc", "productId") == [1, 9, 5]


@pytest.mark.parametrize(
    ("query", "fragments"),
    [
        ("integrationType=ebay", ["Invalid integration type. Must be one of: woocommerce", "amazon", "shopify"]),
        (
            "operation=explode",
            ["Invalid operation. Must be one of: export, import, update, delete, webhook, sync, create"],
        ),
        ("status=ok", ["Invalid status. Must be one of: success, error, pending"]),
        ("sortBy=message", ["Invalid sortBy. Must be one of: timestamp, productId, status"]),
        ("sortOrder=up", ["Invalid sortOrder. Must be one of: asc, desc"]),
        ("limit=101", ["limit must be an integer between 1 and 100"]),
        ("limit=0", ["limit must be an integer between 1 and 100"]),
        ("limit=ten", ["limit must be an integer between 1 and 100"]),
        ("page=0", ["page must be an integer"]),
        ("productId=abc", ["productId must be an integer"]),
        ("productId=-1", ["productId must be an integer"]),
        ("productId=99999999999999999999", ["productId must be an integer"]),
        ("startDate=yesterday", ["startDate must be an ISO 8601 date or datetime"]),
        ("endDate=2025-13-45", ["endDate must be an ISO 8601 date or datetime"]),
        ("startDate=0001-01-01T00:00:00%2B05:00", ["startDate must be an ISO 8601 date or datetime"]),
        ("startDate=2025-11-06&endDate=2025-11-01", ["startDate must not be after endDate"]),
    ],
)
def test_bad_list_parameters_answer_400_naming_what_is_allowed(api, reader, query, fragments):
    body = _bad(api.get(f"/api/v1/logs?{query}", **reader), *fragments)
    assert body["details"]


# --- GET /logs/product/{productId} ------------------------------------------------------------


def test_product_logs_answer_the_seed_shape_with_total(api, company, reader, make_logs):
    # given
    make_logs(company, 3, product_id=456, integration_type="woocommerce", external_product_id="789")
    make_logs(company, 2, product_id=456, integration_type="amazon")
    make_logs(company, 4, product_id=999)
    # when
    body = api.get("/api/v1/logs/product/456", **reader).json()
    # then
    assert set(body) == {"productId", "logs", "total"}
    assert body["productId"] == 456
    assert body["total"] == 5
    assert len(body["logs"]) == 5
    assert set(body["logs"][0]) == LOG_KEYS - {"productId"}
    filtered = api.get("/api/v1/logs/product/456?integrationType=woocommerce&limit=2", **reader).json()
    assert filtered["total"] == 3
    assert len(filtered["logs"]) == 2
    assert {log["integrationType"] for log in filtered["logs"]} == {"woocommerce"}


def test_product_logs_default_to_50_and_filter_by_operation_and_status(api, company, reader, make_logs):
    make_logs(company, 55, product_id=7)
    make_logs(company, 2, product_id=7, operation="delete", status="error")
    body = api.get("/api/v1/logs/product/7", **reader).json()
    assert len(body["logs"]) == 50
    assert body["total"] == 57
    assert api.get("/api/v1/logs/product/7?operation=delete", **reader).json()["total"] == 2
    assert api.get("/api/v1/logs/product/7?status=error", **reader).json()["total"] == 2


def test_a_product_without_logs_answers_an_empty_list(api, reader):
    assert api.get("/api/v1/logs/product/31337", **reader).json() == {"productId": 31337, "logs": [], "total": 0}


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/api/v1/logs/product/abc", "productId must be a non-negative integer"),
        ("/api/v1/logs/product/%C2%B2", "productId must be a non-negative integer"),
        ("/api/v1/logs/product/5?integrationType=ebay", "Invalid integration type. Must be one of:"),
        ("/api/v1/logs/product/5?status=fine", "Invalid status. Must be one of: success, error, pending"),
        ("/api/v1/logs/product/5?limit=500", "limit must be an integer between 1 and 100"),
    ],
)
def test_bad_product_parameters_answer_400(api, reader, path, fragment):
    _bad(api.get(path, **reader), fragment)


# --- GET /logs/external/{integrationType}/{externalId} -----------------------------------------


def test_external_logs_answer_the_seed_shape_with_the_internal_product_id(api, company, reader, make_logs):
    # given
    make_logs(company, 2, integration_type="woocommerce", external_product_id="789", product_id=456)
    make_logs(company, 1, integration_type="amazon", external_product_id="789", product_id=111)
    # when
    response = api.get("/api/v1/logs/external/woocommerce/789", **reader)
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"externalId", "integrationType", "internalProductId", "logs"}
    assert body["externalId"] == "789"
    assert body["integrationType"] == "woocommerce"
    assert body["internalProductId"] == 456
    assert len(body["logs"]) == 2
    assert set(body["logs"][0]) == LOG_KEYS - {"integrationType", "externalProductId"}
    assert body["logs"][0]["productId"] == 456


def test_an_unknown_external_id_answers_404_product_not_found(api, company, reader, make_logs):
    make_logs(company, 1, integration_type="woocommerce", external_product_id="789")
    response = api.get("/api/v1/logs/external/amazon/789", **reader)
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "error": "Not Found", "message": "Product not found.", "details": {}}


def test_an_overlong_or_nul_external_id_answers_400(api, reader):
    _bad(api.get("/api/v1/logs/external/woocommerce/" + "9" * 256, **reader), "externalId must be at most 255")
    _bad(api.get("/api/v1/logs/external/woocommerce/a%00b", **reader), "externalId must be at most 255")


def test_nul_bytes_in_query_parameters_answer_400(api, reader):
    for path in (
        "/api/v1/logs/requests?requestId=a%00b",
        "/api/v1/logs/requests?path=/a%00",
        "/api/v1/logs?status=%00",
    ):
        assert api.get(path, **reader).status_code == 400, path


def test_an_unknown_integration_type_in_the_path_answers_400(api, reader):
    _bad(api.get("/api/v1/logs/external/ebay/789", **reader), "Invalid integration type. Must be one of: woocommerce")


# --- GET /logs/stats --------------------------------------------------------------------------


def test_stats_answer_the_seed_shape_with_a_two_decimal_success_rate(api, company, reader, make_logs):
    # given 140 successes, 8 errors and 2 pending = 93.33 %
    make_logs(company, 95, operation="export", status="success")
    make_logs(company, 5, operation="export", status="error")
    make_logs(company, 30, operation="update", status="success", integration_type="amazon")
    make_logs(company, 12, operation="delete", status="success", integration_type="amazon")
    make_logs(company, 3, operation="delete", status="error", integration_type="amazon")
    make_logs(company, 3, operation="webhook", status="success")
    make_logs(company, 2, operation="webhook", status="pending")
    make_logs(company, 9, status="error", ago=timedelta(days=40))  # outside the default 30 days
    # when
    body = api.get("/api/v1/logs/stats", **reader).json()
    # then
    assert set(body) == {"period", "summary", "byOperation", "byIntegrationType"}
    assert set(body["period"]) == {"startDate", "endDate"}
    assert TS.match(body["period"]["startDate"])
    assert body["period"]["endDate"].endswith("T23:59:59.999Z")
    assert body["summary"] == {
        "totalLogs": 150,
        "successCount": 140,
        "errorCount": 8,
        "pendingCount": 2,
        "successRate": 93.33,
    }
    assert body["byOperation"] == {
        "export": {"total": 100, "success": 95, "error": 5},
        "update": {"total": 30, "success": 30, "error": 0},
        "delete": {"total": 15, "success": 12, "error": 3},
        "webhook": {"total": 5, "success": 3, "error": 0},
    }
    assert body["byIntegrationType"] == {
        "woocommerce": {"total": 105, "success": 98, "error": 5},
        "amazon": {"total": 45, "success": 42, "error": 3},
    }


def test_stats_filter_by_integration_type_and_dates(api, company, reader, make_logs):
    make_logs(company, 4, integration_type="amazon")
    make_logs(company, 2, integration_type="woocommerce", status="error")
    make_logs(company, 3, integration_type="woocommerce", ago=timedelta(days=40))
    body = api.get("/api/v1/logs/stats?integrationType=woocommerce", **reader).json()
    assert body["summary"]["totalLogs"] == 2
    assert body["summary"]["successRate"] == 0.0
    assert list(body["byIntegrationType"]) == ["woocommerce"]
    start = (datetime.now(UTC) - timedelta(days=60)).date().isoformat()
    wide = api.get(f"/api/v1/logs/stats?startDate={start}T00:00:00.000Z", **reader).json()
    assert wide["summary"]["totalLogs"] == 9
    assert wide["period"]["startDate"] == f"{start}T00:00:00.000Z"


def test_stats_of_an_empty_period_are_zeros(api, reader):
    body = api.get("/api/v1/logs/stats?startDate=2020-01-01&endDate=2020-01-31", **reader).json()
    assert body["summary"] == {
        "totalLogs": 0,
        "successCount": 0,
        "errorCount": 0,
        "pendingCount": 0,
        "successRate": 0.0,
    }
    assert body["byOperation"] == {}
    assert body["period"] == {"startDate": "2020-01-01T00:00:00.000Z", "endDate": "2020-01-31T23:59:59.999Z"}


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("integrationType=ebay", "Invalid integration type. Must be one of:"),
        ("startDate=soon", "startDate must be an ISO 8601 date or datetime"),
        ("startDate=2025-11-06&endDate=2025-11-01", "startDate must not be after endDate"),
        ("startDate=2999-01-01", "startDate must not be after endDate"),
    ],
)
def test_bad_stats_parameters_answer_400(api, reader, query, fragment):
    _bad(api.get(f"/api/v1/logs/stats?{query}", **reader), fragment)


# --- GET /logs/errors -------------------------------------------------------------------------


def test_errors_answer_the_seed_shape_for_the_last_24_hours_by_default(api, company, reader, make_logs):
    # given
    make_logs(
        company,
        3,
        status="error",
        product_id=457,
        message="Failed to connect to WooCommerce API",
        error_details={"error": "Connection timeout", "code": "ECONNRESET", "Authorization": "Bearer abc"},
    )
    make_logs(company, 2, status="error", ago=timedelta(hours=30))
    make_logs(company, 5, status="success")
    # when
    body = api.get("/api/v1/logs/errors", **reader).json()
    # then
    assert set(body) == {"errors", "total"}
    assert body["total"] == 3
    assert len(body["errors"]) == 3
    error = body["errors"][0]
    assert set(error) == LOG_KEYS
    assert error["status"] == "error"
    assert error["errorDetails"] == {"error": "Connection timeout", "code": "ECONNRESET", "Authorization": "[REDACTED]"}
    assert api.get("/api/v1/logs/errors?hours=48", **reader).json()["total"] == 5


def test_errors_default_to_20_and_filter_by_integration_type(api, company, reader, make_logs):
    make_logs(company, 22, status="error", integration_type="woocommerce")
    make_logs(company, 3, status="error", integration_type="amazon")
    body = api.get("/api/v1/logs/errors", **reader).json()
    assert len(body["errors"]) == 20
    assert body["total"] == 25
    amazon = api.get("/api/v1/logs/errors?integrationType=amazon&limit=2", **reader).json()
    assert amazon["total"] == 3
    assert [e["integrationType"] for e in amazon["errors"]] == ["amazon", "amazon"]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("hours=0", "hours must be an integer between 1 and 2160"),
        ("hours=many", "hours must be an integer between 1 and 2160"),
        ("limit=1000", "limit must be an integer between 1 and 100"),
        ("integrationType=ebay", "Invalid integration type. Must be one of:"),
    ],
)
def test_bad_error_parameters_answer_400(api, reader, query, fragment):
    _bad(api.get(f"/api/v1/logs/errors?{query}", **reader), fragment)


# --- auth, scopes and tenancy ------------------------------------------------------------------

ENDPOINTS = [
    "/api/v1/logs",
    "/api/v1/logs/product/1",
    "/api/v1/logs/external/woocommerce/1",
    "/api/v1/logs/stats",
    "/api/v1/logs/errors",
    "/api/v1/logs/requests",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_log_endpoint_requires_authentication(api, path):
    response = api.get(path)
    assert response.status_code == 401
    assert response.json()["statusCode"] == 401


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_log_endpoint_requires_the_logs_read_scope(api, company, make_key, path):
    response = api.get(path, **make_key(company, scopes=["orders:read"]))
    assert response.status_code == 403
    assert response.json()["details"]["requiredScopes"] == ["logs:read"]


def test_a_signed_in_viewer_reads_logs_with_a_jwt(api, company, make_user, jwt_headers, make_logs):
    make_logs(company, 2)
    viewer = make_user("viewer@acme.example", company, "viewer")
    assert api.get("/api/v1/logs", **jwt_headers(viewer, company)).json()["pagination"]["total"] == 2


def test_another_companys_logs_are_invisible_everywhere(api, company, other_company, make_key, make_logs):
    # given logs of the other company only
    make_logs(other_company, 3, status="error", product_id=5, external_product_id="X1")
    mine = make_key(company, scopes=["logs:read"])
    # then
    assert api.get("/api/v1/logs", **mine).json()["pagination"]["total"] == 0
    assert api.get("/api/v1/logs/product/5", **mine).json()["total"] == 0
    assert api.get("/api/v1/logs/external/woocommerce/X1", **mine).status_code == 404
    assert api.get("/api/v1/logs/stats", **mine).json()["summary"]["totalLogs"] == 0
    assert api.get("/api/v1/logs/errors", **mine).json()["total"] == 0
    theirs = make_key(other_company, scopes=["logs:read"])
    assert api.get("/api/v1/logs/external/woocommerce/X1", **theirs).status_code == 200


def test_paths_answer_with_and_without_a_trailing_slash(api, reader):
    for path in ENDPOINTS:
        if "external" in path:
            continue
        assert api.get(path + "/", **reader).status_code == 200, path


def test_large_list_totals_are_cached_briefly_and_small_ones_are_exact(api, company, reader, make_logs, settings):
    # given a threshold of 3 rows
    settings.LOG_LIST_COUNT_CACHE_MIN = 3
    make_logs(company, 2, status="error")
    make_logs(company, 3, status="success")
    assert api.get("/api/v1/logs?status=error", **reader).json()["pagination"]["total"] == 2
    assert api.get("/api/v1/logs?status=success", **reader).json()["pagination"]["total"] == 3
    # when more logs arrive
    make_logs(company, 1, status="error")
    make_logs(company, 1, status="success")
    # then the small total is exact at once, the large one is kept for a few seconds
    assert api.get("/api/v1/logs?status=error", **reader).json()["pagination"]["total"] == 3
    assert api.get("/api/v1/logs?status=success&page=2", **reader).json()["pagination"]["total"] == 3
    settings.LOG_LIST_COUNT_CACHE_SECONDS = 0
    assert api.get("/api/v1/logs?status=success", **reader).json()["pagination"]["total"] == 4
