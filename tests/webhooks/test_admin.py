"""Operators' admin screens: lists with filters, attempts inline, actions, and no secrets on the page."""

import pytest

from tests.support.http import StandIn, answer_ok
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(company, endpoint_for, monkeypatch):
    monkeypatch.setattr(services, "deliveries_enqueue", lambda ids, countdown=0: None)
    with StandIn(answer_ok) as receiver:
        endpoint = endpoint_for(receiver.url)
        event = services.event_publish(company, "order.created", {"orderId": "o-1"})
        delivery = Delivery.objects.get(event=event)
        services.delivery_attempt(delivery_id=delivery.id)
    return endpoint, delivery


def test_lists_and_filters_render_without_showing_secrets(admin_client, delivered):
    endpoint, delivery = delivered
    pages = [
        "/admin/webhooks/endpoint/",
        f"/admin/webhooks/endpoint/{endpoint.id}/change/",
        "/admin/webhooks/delivery/?status=success&event_type=order.created",
        f"/admin/webhooks/delivery/?endpoint__id__exact={endpoint.id}",
        f"/admin/webhooks/delivery/{delivery.id}/change/",
        "/admin/webhooks/event/?type=order.created",
        f"/admin/webhooks/event/{delivery.event_id}/change/",
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        assert endpoint.secret not in response.content.decode(), page
    detail = admin_client.get(f"/admin/webhooks/delivery/{delivery.id}/change/").content.decode()
    assert "Attempts" in detail and ">200<" in detail


def test_retry_selected_reopens_failed_deliveries(admin_client, delivered, monkeypatch):
    _, delivery = delivered
    Delivery.objects.filter(id=delivery.id).update(status="failed")
    response = admin_client.post(
        "/admin/webhooks/delivery/", {"action": "retry_selected", "_selected_action": [str(delivery.id)]}, follow=True
    )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_operators_re_enable_a_disabled_endpoint_and_rotate_its_secret(admin_client, delivered):
    endpoint, _ = delivered
    Endpoint.objects.filter(id=endpoint.id).update(status="failed", disabled_reason="The endpoint answered 410 Gone.")
    old_secret = endpoint.secret
    for action in ("enable_endpoints", "rotate_secrets"):
        admin_client.post("/admin/webhooks/endpoint/", {"action": action, "_selected_action": [str(endpoint.id)]})
    endpoint.refresh_from_db()
    assert endpoint.status == "active" and endpoint.disabled_reason == ""
    assert endpoint.secret != old_secret and endpoint.previous_secret == old_secret


def test_send_test_reports_the_result(admin_client, delivered):
    endpoint, _ = delivered
    with StandIn(answer_ok) as receiver:
        Endpoint.objects.filter(id=endpoint.id).update(url=receiver.url)
        response = admin_client.post(
            "/admin/webhooks/endpoint/", {"action": "send_test", "_selected_action": [str(endpoint.id)]}, follow=True
        )
    assert "HTTP 200" in response.content.decode()
    assert receiver.requests[0].json["type"] == "webhook.test"


def test_an_endpoint_added_in_the_admin_gets_a_secret(admin_client, company):
    response = admin_client.post(
        "/admin/webhooks/endpoint/add/",
        {
            "company": str(company.id),
            "name": "Back office",
            "url": "https://partner.example/hook",
            "description": "",
            "events": ["order.*"],
            "max_retries": "3",
            "headers": "{}",
            "rate_limit": "",
            "metadata": "{}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = Endpoint.objects.get(name="Back office")
    assert endpoint.secret.startswith("whsec_") and endpoint.events == ["order.*"]


def test_events_are_read_only(admin_client, delivered):
    _, delivery = delivered
    assert admin_client.get("/admin/webhooks/event/add/").status_code == 403
