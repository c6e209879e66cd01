"""Connection checks against loopback stand-ins: health recorded, status summary, SSRF guard, beat fan-out."""

import socket
import threading

import pytest

from config.celery_app import app as celery_app
from integrations import services, tasks
from integrations.models import Integration
from logs.models import IntegrationLog
from tests.support.processes import free_port


def _woo(stand_in_url: str) -> dict:
    return {"baseUrl": stand_in_url, "consumerKey": "ck_live_1", "consumerSecret": "cs_live_1"}


def test_a_provider_answering_2xx_is_healthy_and_the_check_used_its_credentials(
    api, owner_headers, company, make_integration, stand_in
):
    # given
    integration = make_integration(company, "woocommerce", _woo(stand_in.url))
    # when
    response = api.post(f"/api/v1/integrations/{integration.id}/health-check", **owner_headers)
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "healthy"
    assert response.json()["httpStatus"] == 200
    assert stand_in.requests[0]["path"] == "/wp-json/wc/v3/system_status"
    assert stand_in.requests[0]["headers"]["Authorization"].startswith("Basic ")
    integration.refresh_from_db()
    assert integration.health_status == "healthy"
    assert integration.last_check_at is not None
    assert integration.last_check_latency_ms is not None
    log = IntegrationLog.objects.get(integration_id=integration.id, operation="sync")
    assert log.status == "success"


def test_a_provider_refusing_the_credentials_is_unhealthy(api, owner_headers, company, make_integration, stand_in):
    stand_in.status, stand_in.body = 401, {"code": "woocommerce_rest_authentication_error"}
    integration = make_integration(company, "woocommerce", _woo(stand_in.url))
    response = api.post(f"/api/v1/integrations/{integration.id}/health-check", **owner_headers)
    assert response.json()["status"] == "unhealthy"
    assert "401" in response.json()["error"]


def test_a_provider_that_does_not_answer_is_an_error(api, owner_headers, company, make_integration):
    integration = make_integration(company, "stripe", {"baseUrl": f"http://127.0.0.1:{free_port()}", "secretKey": "sk"})
    response = api.post(f"/api/v1/integrations/{integration.id}/health-check", **owner_headers)
    assert response.json()["status"] == "error"
    assert "Cannot reach" in response.json()["error"]
    assert IntegrationLog.objects.get(integration_id=integration.id, operation="sync").status == "error"


def test_a_slow_provider_is_cut_off_by_the_timeout(api, owner_headers, company, make_integration, stand_in, settings):
    # given
    settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS = 1
    stand_in.delay = 2.5
    integration = make_integration(company, "woocommerce", _woo(stand_in.url))
    # when
    response = api.post(f"/api/v1/integrations/{integration.id}/health-check", **owner_headers)
    # then
    assert response.json()["status"] == "error"
    assert "within 1 s" in response.json()["error"]


def test_private_addresses_are_refused_unless_allowed(
    api, owner_headers, company, make_integration, stand_in, settings
):
    # given
    settings.HUB_ALLOW_LOCAL_TARGETS = False
    integration = make_integration(company, "woocommerce", _woo(stand_in.url))
    # when
    response = api.post(f"/api/v1/integrations/{integration.id}/health-check", **owner_headers)
    # then
    assert response.json()["status"] == "error"
    assert "non-public address" in response.json()["error"]
    assert stand_in.requests == []


def test_smtp_is_checked_by_its_220_greeting(company, make_integration):
    # given: a loopback server greeting like an SMTP server
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def greet() -> None:
        conn, _ = server.accept()
        conn.sendall(b"220 mail.example.com ESMTP ready\r\n")
        conn.close()

    threading.Thread(target=greet, daemon=True).start()
    integration = make_integration(company, "smtp", {"host": "127.0.0.1", "port": port})
    # when
    result = services.integration_health_check(integration_id=integration.id)
    server.close()
    # then
    assert result.status == "healthy"


def test_status_counts_integrations_by_health(api, owner_headers, company, other_company, make_integration, stand_in):
    # given
    healthy = make_integration(company, "woocommerce", _woo(stand_in.url), name="Shop")
    make_integration(company, "stripe", {"baseUrl": f"http://127.0.0.1:{free_port()}", "secretKey": "sk"}, name="Pay")
    make_integration(company, "generic", {"baseUrl": "https://partner.example.com"}, name="Partner")
    make_integration(other_company, "generic", {"baseUrl": "https://theirs.example.com"}, name="Theirs")
    for integration in Integration.objects.filter(company=company).exclude(name="Partner"):
        services.integration_health_check(integration_id=integration.id)
    # when
    response = api.get("/api/v1/integrations/status", **owner_headers)
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["healthy"], body["unhealthy"], body["error"], body["unknown"]) == (3, 1, 0, 1, 1)
    shop = next(i for i in body["integrations"] if i["id"] == str(healthy.id))
    assert shop["health"]["status"] == "healthy"
    assert shop["health"]["checkedAt"].endswith("Z")
    assert "Theirs" not in response.content.decode()


def test_status_needs_integrations_read(api, company, make_key):
    assert api.get("/api/v1/integrations/status", **make_key(company, scopes=["logs:read"])).status_code == 403


def test_scheduled_checks_log_only_changes_of_health(company, make_integration, stand_in):
    # given
    integration = make_integration(company, "woocommerce", _woo(stand_in.url))
    # when: two scheduled checks with the same outcome, then a failure
    services.integration_health_check(integration_id=integration.id, record_always=False)
    services.integration_health_check(integration_id=integration.id, record_always=False)
    stand_in.status = 503
    services.integration_health_check(integration_id=integration.id, record_always=False)
    # then
    logs = IntegrationLog.objects.filter(integration_id=integration.id, operation="sync").order_by("id")
    assert [log.status for log in logs] == ["success", "error"]


@pytest.fixture
def eager_celery():
    # Django settings are read under the CELERY_ namespace, so the namespaced key is the one that counts.
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False


def test_the_beat_task_checks_every_active_integration_and_skips_inactive_ones(
    company, make_integration, stand_in, eager_celery
):
    # given
    active = make_integration(company, "woocommerce", _woo(stand_in.url), name="On")
    paused = make_integration(company, "woocommerce", _woo(stand_in.url), name="Off", status="inactive")
    # when
    checked = tasks.integrations_health_check_all()  # the fan-out .delay() calls run eagerly
    # then
    assert checked == 1
    active.refresh_from_db()
    paused.refresh_from_db()
    assert active.health_status == "healthy"
    assert paused.health_status == "unknown"


def test_the_beat_schedule_runs_the_health_sweep(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["integrations-health-check"]
    assert entry["task"] == "integrations.tasks.integrations_health_check_all"
    assert settings.CELERY_TASK_ROUTES[entry["task"]] == {"queue": "integrations"}
