"""Integration URLs carry no credentials: userinfo is refused, and URLs are redacted in errors and logs."""

import logging

import pytest

from integrations import services
from integrations.models import Integration
from logs.models import IntegrationLog
from tests.conftest import free_port

pytestmark = pytest.mark.django_db

SECRET = "hunter2-userinfo-secret"


def test_a_url_with_userinfo_is_refused_at_creation(api, owner_headers):
    # when a tenant registers an integration whose URL carries user:password@
    response = api.post(
        "/api/v1/integrations",
        {
            "name": "Shop",
            "provider": "stripe",
            "config": {"baseUrl": f"https://bob:{SECRET}@api.example.com", "secretKey": "sk_1"},
        },
        format="json",
        **owner_headers,
    )
    # then it is refused as a field error that does not repeat the secret
    assert response.status_code == 400, response.content
    body = response.json()
    assert "baseUrl" in body["details"]["config"]
    assert SECRET not in response.content.decode()
    assert not Integration.objects.exists()


def test_a_url_with_userinfo_is_refused_on_update(api, owner_headers, company, make_integration):
    integration = make_integration(company, "stripe", {"baseUrl": "https://api.example.com", "secretKey": "sk_1"})
    response = api.patch(
        f"/api/v1/integrations/{integration.id}",
        {"config": {"baseUrl": f"https://bob:{SECRET}@api.example.com", "secretKey": "sk_1"}},
        format="json",
        **owner_headers,
    )
    assert response.status_code == 400, response.content
    assert SECRET not in response.content.decode()
    integration.refresh_from_db()
    assert integration.config["baseUrl"] == "https://api.example.com"


def test_a_stored_url_with_userinfo_is_never_shown_or_repeated_in_health_errors_and_logs(
    api, owner_headers, company, make_integration, caplog
):
    # given an integration stored before userinfo was refused (written behind the API's back),
    # pointing at a port nobody listens on
    integration = make_integration(company, "stripe", {"baseUrl": "https://api.example.com", "secretKey": "sk_1"})
    url = f"http://bob:{SECRET}@127.0.0.1:{free_port()}/v1?token=tok-in-query"
    Integration.objects.filter(id=integration.id).update(config={"baseUrl": url})
    # when its connection is checked and it is read back
    with caplog.at_level(logging.DEBUG):
        check = api.post(f"/api/v1/integrations/{integration.id}/health-check", **owner_headers)
    shown = api.get(f"/api/v1/integrations/{integration.id}", **owner_headers)
    # then the check fails, and neither the answers, the stored error, the log rows nor the
    # process logs repeat the password or the query token
    assert check.status_code == 200 and check.json()["status"] == "error"
    integration.refresh_from_db()
    texts = [
        check.content.decode(),
        shown.content.decode(),
        integration.last_check_error,
        *(f"{log.message} {log.error_details} {log.metadata}" for log in IntegrationLog.objects.all()),
        caplog.text,
    ]
    for text in texts:
        assert SECRET not in text
        assert "tok-in-query" not in text
    assert "127.0.0.1" in shown.json()["config"]["baseUrl"]  # the rest of the URL is still shown


def test_a_crashing_check_does_not_log_the_url(company, make_integration, caplog, monkeypatch):
    # given a provider check that crashes with the URL in its exception text
    integration = make_integration(company, "stripe", {"baseUrl": "https://api.example.com", "secretKey": "sk_1"})
    url = f"https://bob:{SECRET}@api.example.com/v1"
    spec = integration.provider_spec()

    def crash(values):
        raise RuntimeError(f"could not parse {url}")

    monkeypatch.setattr(type(spec), "check", property(lambda self: crash), raising=False)
    # when the check runs
    with caplog.at_level(logging.DEBUG):
        result = services.integration_health_check(integration_id=integration.id)
    # then the failure is recorded, and no log line or stored text carries the password
    assert result is not None and result.status == "error"
    assert SECRET not in caplog.text
    integration.refresh_from_db()
    assert SECRET not in integration.last_check_error
