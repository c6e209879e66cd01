"""The receiver's refusals and what it stores: unknown and inactive integrations, size, headers, no auth needed."""

import pytest

from integrations.models import InboundEvent
from logs.models import IntegrationLog
from tests.integrations.conftest import fixture_bytes
from tests.support import signers as s
from tests.support.providers import woocommerce_config

WOO = woocommerce_config("https://shop.example.com", webhook_secret=s.WOO_SECRET)


@pytest.fixture
def woo(company, make_integration):
    return make_integration(company, "woocommerce", WOO)


def test_an_unknown_integration_id_answers_404_in_the_envelope(db, post_inbound):
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    response = post_inbound("00000000-0000-4000-8000-000000000000", body, s.woocommerce_headers(body))
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404
    assert not InboundEvent.objects.exists()


def test_a_malformed_integration_id_answers_404(db, api):
    response = api.post(
        "/api/v1/inbound/not-a-uuid-at-all-not-a-uuid-at-all-x/", b"{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_an_inactive_integration_answers_404_stores_nothing_and_logs_the_refusal(
    company, make_integration, post_inbound
):
    # given
    integration = make_integration(company, "woocommerce", WOO, status="inactive")
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    # when
    response = post_inbound(integration.id, body, s.woocommerce_headers(body))
    # then
    assert response.status_code == 404
    assert not InboundEvent.objects.exists()
    log = IntegrationLog.objects.get(integration_id=integration.id, operation="webhook")
    assert log.status == "error"
    assert "inactive" in log.message


def test_a_provider_without_webhooks_has_no_receiver(company, make_integration, post_inbound):
    integration = make_integration(company, "smtp", {"host": "mail.example.com"})
    response = post_inbound(integration.id, b"{}", {})
    assert response.status_code == 404
    assert "does not send webhooks" in response.json()["message"]


def test_a_body_over_one_megabyte_answers_413_before_verification(woo, post_inbound):
    # given: correctly signed, but too large
    body = b'{"padding":"' + b"x" * (1024 * 1024) + b'"}'
    # when
    response = post_inbound(woo.id, body, s.woocommerce_headers(body))
    # then
    assert response.status_code == 413
    assert response.json()["statusCode"] == 413
    assert not InboundEvent.objects.exists()


def test_a_body_of_exactly_one_megabyte_is_accepted(woo, post_inbound):
    prefix, suffix = b'{"padding":"', b'"}'
    body = prefix + b"x" * (1024 * 1024 - len(prefix) - len(suffix)) + suffix
    assert len(body) == 1024 * 1024
    assert post_inbound(woo.id, body, s.woocommerce_headers(body)).status_code == 200


def test_the_receiver_ignores_api_credentials_and_needs_none(woo, post_inbound):
    # given: a bogus API key and JWT would fail authentication on any other endpoint
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    headers = {**s.woocommerce_headers(body), "X-API-Key": "ihk_bogus", "Authorization": "Bearer nonsense"}
    # when
    response = post_inbound(woo.id, body, headers)
    # then
    assert response.status_code == 200


def test_stored_headers_have_signatures_and_credentials_redacted(woo, post_inbound):
    # given
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    headers = {**s.woocommerce_headers(body), "Authorization": "Basic c2VjcmV0OnNlY3JldA=="}
    # when
    post_inbound(woo.id, body, headers)
    # then
    stored = {k.lower(): v for k, v in InboundEvent.objects.get().headers.items()}
    assert stored["x-wc-webhook-signature"] == "[REDACTED]"
    assert stored["authorization"] == "[REDACTED]"
    assert stored["x-wc-webhook-topic"] == "order.created"


def test_refusal_logs_never_contain_the_signing_secret(woo, post_inbound):
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    post_inbound(woo.id, body + b" ", s.woocommerce_headers(body))
    log = IntegrationLog.objects.get(integration_id=woo.id, operation="webhook")
    assert s.WOO_SECRET not in f"{log.message} {log.error_details} {log.metadata}"


def test_a_signed_body_that_is_not_a_json_object_answers_400(woo, post_inbound):
    body = b"[1, 2, 3]"
    response = post_inbound(woo.id, body, s.woocommerce_headers(body))
    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


def test_the_same_event_id_on_two_integrations_is_two_events(company, make_integration, post_inbound):
    # given
    first = make_integration(company, "woocommerce", WOO, name="Store A")
    second = make_integration(company, "woocommerce", WOO, name="Store B")
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    headers = s.woocommerce_headers(body, delivery_id="same-delivery")
    # when
    post_inbound(first.id, body, headers)
    post_inbound(second.id, body, headers)
    # then
    assert InboundEvent.objects.count() == 2


def test_the_receiver_path_also_works_without_a_trailing_slash(woo, api):
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in s.woocommerce_headers(body).items()}
    response = api.generic("POST", f"/api/v1/inbound/{woo.id}", body, content_type="application/json", **meta)
    assert response.status_code == 200


def test_deactivating_through_the_api_takes_effect_at_once_despite_the_receiver_cache(
    api, owner_headers, woo, post_inbound, settings, django_capture_on_commit_callbacks
):
    # given: the receiver caches the integration
    settings.INBOUND_INTEGRATION_CACHE_SECONDS = 60
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    assert post_inbound(woo.id, body, s.woocommerce_headers(body)).status_code == 200
    # when
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"/api/v1/integrations/{woo.id}", {"status": "inactive"}, format="json", **owner_headers)
    # then
    assert post_inbound(woo.id, body, s.woocommerce_headers(body)).status_code == 404


def test_events_left_waiting_are_enqueued_again_by_the_requeue_sweep(
    woo, post_inbound, django_capture_on_commit_callbacks
):
    # given: an event whose broker message was lost, received ten minutes ago
    from datetime import timedelta

    from django.utils import timezone

    from integrations import services

    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    post_inbound(woo.id, body, s.woocommerce_headers(body))
    InboundEvent.objects.update(received_at=timezone.now() - timedelta(minutes=10))
    fresh = fixture_bytes("woocommerce", "product_updated.json")
    post_inbound(woo.id, fresh, s.woocommerce_headers(fresh, topic="product.updated"))
    # when
    requeued = services.inbound_events_requeue(older_than_seconds=120)
    # then: only the old one
    assert requeued == 1


def test_a_flood_of_forged_deliveries_is_refused_but_logged_only_up_to_the_limit(woo, post_inbound, settings):
    # given
    settings.INBOUND_REFUSAL_LOGS_PER_MINUTE = 2
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    # when
    statuses = [post_inbound(woo.id, body, {"X-WC-Webhook-Signature": "forged"}).status_code for _ in range(4)]
    # then
    assert statuses == [401, 401, 401, 401]
    assert IntegrationLog.objects.filter(integration_id=woo.id, operation="webhook", status="error").count() == 2
