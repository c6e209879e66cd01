"""Operators' screens: read-only logs with filters, search, pretty JSON, CSV export, a dashboard, demo data."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection

from logs import demo
from logs.admin_paging import EstimatedCountPaginator
from logs.models import IntegrationLog, RetentionRun
from logs.services import logs_retention_run

pytestmark = pytest.mark.django_db

LIST = "/admin/logs/integrationlog/"


def test_the_log_list_opens_with_filters_date_hierarchy_and_tools(admin_client, company, other_company, make_logs):
    make_logs(other_company, 1)
    make_logs(company, 3, status="error", message="Failed to connect", external_product_id="789")
    make_logs(company, 2, ago=timedelta(days=40))
    response = admin_client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Failed to connect" in html
    for text in ("By status", "By integration type", "By operation", "By company", "Export CSV", "Dashboard"):
        assert text in html, text
    assert 'class="toplinks"' in html  # the date hierarchy
    assert "Add integration log" not in html


def test_filters_and_search_narrow_the_list(admin_client, company, make_logs):
    make_logs(company, 1, status="error", message="Timeout talking to Amazon", external_sku="SKU-ONE")
    make_logs(company, 1, status="success", message="Exported nicely", product_id=4242)
    assert "Exported nicely" not in admin_client.get(LIST + "?status__exact=error").content.decode()
    assert "Timeout talking" in admin_client.get(LIST + "?q=SKU-ONE").content.decode()
    by_product = admin_client.get(LIST + "?q=4242").content.decode()
    assert "Exported nicely" in by_product
    assert "Timeout talking" not in by_product
    assert "Exported nicely" in admin_client.get(LIST + "?q=nicely").content.decode()
    assert admin_client.get(LIST + "?q=%C2%B2").status_code == 200  # a unicode digit is not an id


def test_message_search_looks_at_recent_logs_unless_a_company_or_date_is_chosen(admin_client, company, make_logs):
    make_logs(company, 1, message="Ancient failure", ago=timedelta(days=30))
    assert "Ancient failure" not in admin_client.get(LIST + "?q=ancient").content.decode()
    by_company = admin_client.get(LIST + f"?q=ancient&company__id__exact={company.id}").content.decode()
    assert "Ancient failure" in by_company


def test_the_date_hierarchy_drills_down_without_distinct_queries(admin_client, company, make_logs):
    (log,) = make_logs(company, 1)
    ts = log.timestamp
    html = admin_client.get(f"{LIST}?timestamp__year={ts.year}&timestamp__month={ts.month}").content.decode()
    assert f"timestamp__day={ts.day}" in html


def test_a_log_page_is_read_only_with_pretty_json(admin_client, company, make_logs):
    (log,) = make_logs(company, 1, status="error", error_details={"code": "ECONNRESET", "password": "hunter2"})
    html = admin_client.get(f"{LIST}{log.id}/change/").content.decode()
    assert "<pre" in html
    assert "&quot;code&quot;: &quot;ECONNRESET&quot;" in html
    assert "hunter2" not in html
    assert 'name="_save"' not in html
    assert admin_client.post(f"{LIST}{log.id}/delete/", {"post": "yes"}).status_code == 403
    assert IntegrationLog.objects.filter(id=log.id).exists()


def test_csv_export_follows_the_current_filter(admin_client, company, make_logs):
    make_logs(company, 2, status="error", message="=cmd|' /C calc'!A0")
    make_logs(company, 3, status="success")
    response = admin_client.get(LIST + "export-csv/?status__exact=error")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:7] == ["id", "timestamp", "company_id", "integration_id", "integration_type", "operation", "status"]
    assert len(rows) == 3
    assert {row[6] for row in rows[1:]} == {"error"}
    assert all(row[11].startswith("'=") for row in rows[1:])  # no formula injection


def test_csv_export_needs_a_staff_login(client):
    assert client.get(LIST + "export-csv/").status_code == 302


def test_the_dashboard_charts_the_success_rate_and_lists_top_errors(admin_client, company, make_logs):
    make_logs(company, 8, status="success")
    make_logs(company, 2, status="error", message="Rate limited by the provider")
    make_logs(company, 5, status="success", ago=timedelta(days=3))
    logs_retention_run()
    response = admin_client.get(LIST + "dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg id="success-rate-chart"' in html
    assert "<polyline" in html
    assert "80.00% of 10 (2 errors)" in html  # today's point
    assert "100.00% of 5 (0 errors)" in html
    assert "Rate limited by the provider" in html
    assert "Last run" in html
    filtered = admin_client.get(LIST + f"dashboard/?company={company.id}&days=7&hours=1").content.decode()
    assert "Rate limited by the provider" in filtered


def test_retention_runs_are_listed_for_operators(admin_client, company, make_logs):
    make_logs(company, 2, ago=timedelta(days=95))
    run = logs_retention_run()
    html = admin_client.get("/admin/logs/retentionrun/").content.decode()
    assert "succeeded" in html
    assert admin_client.get(f"/admin/logs/retentionrun/{run.id}/change/").status_code == 200
    assert RetentionRun.objects.count() == 1


def test_the_request_log_list_opens(admin_client, api, company, make_key, flush_requests):
    api.get("/api/v1/logs", HTTP_X_REQUEST_ID="admin-view-1", **make_key(company, scopes=["logs:read"]))
    flush_requests()
    html = admin_client.get("/admin/logs/apirequestlog/?q=admin-view-1").content.decode()
    assert "/api/v1/logs" in html


def test_the_paginator_estimates_when_an_exact_count_is_too_slow(company, make_logs, settings):
    # given a count that takes longer than the allowed time (pg_sleep per row)
    make_logs(company, 3)
    settings.LOG_ADMIN_COUNT_TIMEOUT_MS = 20
    slow = IntegrationLog.objects.extra(where=["pg_sleep(0.05) IS NOT NULL"])  # noqa: S610
    # when
    estimated = EstimatedCountPaginator(slow, 50).count
    exact = EstimatedCountPaginator(IntegrationLog.objects.all(), 50).count
    # then
    assert estimated >= 1  # the planner's estimate, not an error
    assert exact == 3
    with connection.cursor() as cursor:  # the timeout did not leak into the session
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_the_demo_seeds_a_few_hundred_logs_once(company):
    demo.seed(company)
    demo.seed(company)
    logs = IntegrationLog.objects.filter(company=company)
    assert logs.count() == demo.DEMO_LOGS
    assert set(logs.values_list("status", flat=True)) == {"success", "error", "pending"}
    assert {"woocommerce", "shopify", "amazon"} <= set(logs.values_list("integration_type", flat=True))


def test_an_operator_can_queue_a_retention_run(admin_client):
    # given the logs queue in Redis (the broker; this xdist worker's key for it), drained
    from accounts.redis_client import get_redis
    from tests.support.isolation import broker_key

    redis, queue = get_redis(), broker_key("logs")
    redis.delete(queue)
    assert "Run retention now" in admin_client.get("/admin/logs/retentionrun/").content.decode()
    # when
    response = admin_client.post("/admin/logs/retentionrun/run-now/")
    # then
    assert response.status_code == 302
    assert redis.llen(queue) == 1
    assert b"logs.tasks.logs_retention" in redis.lindex(queue, 0)
    redis.delete(queue)
    assert admin_client.get("/admin/logs/retentionrun/run-now/").status_code == 405
