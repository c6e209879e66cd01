"""GET /monitoring/metrics: volume, errors, latency percentiles and busiest routes of a window."""

from datetime import timedelta

import pytest
from django.utils import timezone

from logs.models import ApiRequestLog

pytestmark = pytest.mark.django_db


def _request(company, *, status=200, ms=10.0, route="api/v1/orders", ago=timedelta(minutes=1)):
    return ApiRequestLog(
        company_id=company.id,
        request_id="r",
        method="GET",
        path="/" + route,
        route=route,
        status_code=status,
        duration_ms=ms,
        timestamp=timezone.now() - ago,
    )


def test_metrics_summarise_the_window(api, company, other_company, make_key):
    # given 100 requests of 1..100 ms, three of them 5xx and one 4xx, plus noise outside the window and company
    rows = [_request(company, ms=float(i)) for i in range(1, 101)]
    rows[0].status_code = rows[1].status_code = rows[2].status_code = 503
    rows[3].status_code = 404
    rows.append(_request(company, ago=timedelta(hours=3)))
    rows.append(_request(other_company))
    ApiRequestLog.objects.bulk_create(rows)
    # when
    body = api.get("/api/v1/monitoring/metrics?minutes=60", **make_key(company, scopes=["metrics:read"])).json()
    # then
    assert body["requests"] == {"total": 100, "perMinute": 1.67, "clientErrors": 1, "serverErrors": 3, "errorRate": 3.0}
    assert body["latencyMs"]["avg"] == 50.5
    assert 50 <= body["latencyMs"]["p50"] <= 51
    assert 95 <= body["latencyMs"]["p95"] <= 96
    assert body["topEndpoints"][0] == {
        "method": "GET",
        "route": "/api/v1/orders",
        "requests": 100,
        "serverErrors": 3,
        "avgMs": 50.5,
    }


def test_metrics_need_the_metrics_scope(api, company, make_key):
    response = api.get("/api/v1/monitoring/metrics", **make_key(company, scopes=["logs:read"]))
    assert response.status_code == 403
    assert response.json()["requiredScopes"] == ["metrics:read"]


@pytest.mark.parametrize("minutes", ["0", "abc", "999999"])
def test_a_bad_window_answers_400(api, company, make_key, minutes):
    response = api.get(f"/api/v1/monitoring/metrics?minutes={minutes}", **make_key(company))
    assert response.status_code == 400
    assert "minutes" in response.json()["details"]


def test_an_empty_window_has_no_percentiles(api, company, make_key):
    body = api.get("/api/v1/monitoring/metrics", **make_key(company)).json()
    assert body["requests"]["total"] == 0
    assert body["latencyMs"] == {"avg": None, "p50": None, "p95": None, "p99": None}
