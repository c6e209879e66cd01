"""Issue 12's remaining API bugs: enum errors, not-found wording, nested error messages, route names, units."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from logs.models import ApiRequestLog

pytestmark = pytest.mark.django_db

MISSING = "00000000-0000-4000-8000-000000000000"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_an_invalid_integration_status_names_the_allowed_values(api, company, make_key):
    response = api.post(
        "/api/v1/integrations",
        {"name": "x", "provider": "stripe", "config": {"secretKey": "sk_test_x"}, "status": "bogus"},
        format="json",
        **make_key(company),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["details"]["status"] == ["Invalid status. Must be one of: active, inactive"]
    assert body["message"] == "The request is invalid: status: Invalid status. Must be one of: active, inactive"


def test_an_invalid_webhook_status_names_the_allowed_values(api, company, make_key):
    headers = make_key(company)
    created = api.post(
        "/api/v1/webhooks",
        {"name": "x", "url": "https://example.com/hook", "events": ["order.created"]},
        format="json",
        **headers,
    )
    assert created.status_code == 201, created.content
    response = api.patch(f"/api/v1/webhooks/{created.json()['id']}", {"status": "bogus"}, format="json", **headers)
    assert response.status_code == 400
    assert response.json()["details"]["status"] == ["Invalid status. Must be one of: active, inactive"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"/api/v1/integrations/{MISSING}", "Integration not found."),
        (f"/api/v1/webhooks/{MISSING}", "Webhook not found."),
        (f"/api/v1/orders/{MISSING}", "Order not found."),
        (f"/api/v1/payments/{MISSING}", "Payment not found."),
        (f"/api/v1/syncs/{MISSING}", "Sync not found."),
        ("/api/v1/logs/external/amazon/nothing-here", "Product not found."),
    ],
)
def test_not_found_reads_resource_not_found_everywhere(api, company, make_key, url, message):
    response = api.get(url, **make_key(company))
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "error": "Not Found", "message": message, "details": {}}


def test_another_companys_integration_is_the_same_404(api, company, other_company, make_key):
    from integrations import services

    theirs = services.integration_create(
        company_id=other_company.id, name="Theirs", provider="stripe", config={"secretKey": "sk_test_x"}
    )
    response = api.get(f"/api/v1/integrations/{theirs.id}", **make_key(company))
    assert response.status_code == 404
    assert response.json()["message"] == "Integration not found."


def test_the_message_names_the_failing_item_not_an_empty_one(api, company, make_key):
    items = [
        {"name": "ok", "quantity": 1, "unitPrice": "1.00"},
        {"name": "bad", "quantity": "x", "unit_price": "1.00"},
    ]
    body = {"branchId": "b1", "orderType": "pickup", "currency": "USD", "items": items}
    response = api.post("/api/v1/orders", body, format="json", **make_key(company))
    assert response.status_code == 400
    payload = response.json()
    assert payload["message"] == "The request is invalid: items[1].quantity: A valid integer is required."
    assert "{}" not in payload["message"]
    assert payload["details"]["items"][1] == {"quantity": ["A valid integer is required."]}


def test_request_logs_metrics_and_usage_name_routes_not_regexes(api, company, make_key, flush_usage):
    # given
    headers = make_key(company)
    api.get(f"/api/v1/orders/{MISSING}", **headers)
    api.get("/api/v1/monitoring/rate-limits", **headers)
    from logs.requestlog import request_log_buffer

    request_log_buffer.flush()
    flush_usage()
    # then: the request log
    routes = set(ApiRequestLog.objects.filter(company_id=company.id).values_list("route", flat=True))
    assert "api/v1/orders/{pk}" in routes
    assert "api/v1/monitoring/rate-limits" in routes
    assert not any(ch in route for route in routes for ch in "^$(?\\")
    # and the metrics
    metrics = api.get("/api/v1/monitoring/metrics", **headers).json()
    top = {row["route"] for row in metrics["topEndpoints"]}
    assert "/api/v1/orders/{pk}" in top
    assert not any(ch in route for route in top for ch in "^$(?\\")
    # and the usage of the key
    from accounts.models import ApiKeyUsage

    endpoints = set(ApiKeyUsage.objects.values_list("endpoint", flat=True))
    assert "GET /api/v1/orders/{pk}" in endpoints
    assert not any(ch in e for e in endpoints for ch in "^$(?\\")


def test_error_rate_is_a_percentage_and_reset_at_an_iso_timestamp(api, company, make_key):
    # given: 1 server error in 4 requests
    now = timezone.now()
    for code in (200, 200, 404, 500):
        ApiRequestLog.objects.create(
            company_id=company.id,
            request_id=f"r{code}",
            method="GET",
            path="/api/v1/orders",
            route="api/v1/orders",
            status_code=code,
            duration_ms=5.0,
            timestamp=now - timedelta(minutes=1),
        )
    headers = make_key(company)
    # when
    metrics = api.get("/api/v1/monitoring/metrics", **headers).json()
    limits = api.get("/api/v1/monitoring/rate-limits", **headers).json()
    # then
    assert metrics["requests"]["errorRate"] == 25.0
    assert ISO_MS.match(limits["resetAt"]), limits["resetAt"]
    assert limits["resetAt"] > now.isoformat()[:16]
