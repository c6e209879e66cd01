"""Operators' screens: masked credentials, the health-check and reprocess actions, the raw body view."""

from django.urls import reverse

from integrations.models import InboundEvent
from tests.integrations.conftest import fixture_bytes
from tests.support import signers as s

WOO = {
    "baseUrl": "https://shop.example.com",
    "consumerKey": "ck_live_0123456789abcdef",
    "consumerSecret": "cs_live_fedcba9876543210",
}


def test_the_integration_page_never_shows_a_credential(staff_client, company, make_integration):
    integration = make_integration(company, "woocommerce", {**WOO, "webhookSecret": s.WOO_SECRET})
    page = staff_client.get(reverse("admin:integrations_integration_change", args=[integration.id])).content.decode()
    assert "****cdef" in page
    for secret in (WOO["consumerKey"], WOO["consumerSecret"], s.WOO_SECRET):
        assert secret not in page
    listing = staff_client.get(reverse("admin:integrations_integration_changelist")).content.decode()
    assert WOO["consumerKey"] not in listing


def test_the_health_check_action_records_the_result(staff_client, company, make_integration, stand_in):
    integration = make_integration(company, "woocommerce", {**WOO, "baseUrl": stand_in.url})
    response = staff_client.post(
        reverse("admin:integrations_integration_changelist"),
        {"action": "run_health_check", "_selected_action": [str(integration.id)]},
        follow=True,
    )
    assert "healthy" in response.content.decode()
    integration.refresh_from_db()
    assert integration.health_status == "healthy"


def test_an_inbound_event_shows_its_raw_body_and_can_be_reprocessed(
    staff_client, company, make_integration, post_inbound, django_capture_on_commit_callbacks
):
    # given: an event that failed
    integration = make_integration(company, "woocommerce", {**WOO, "webhookSecret": s.WOO_SECRET})
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    post_inbound(integration.id, body, s.woocommerce_headers(body))
    event = InboundEvent.objects.get()
    InboundEvent.objects.filter(id=event.id).update(status="failed", error="boom")
    # when
    page = staff_client.get(reverse("admin:integrations_inboundevent_change", args=[event.id])).content.decode()
    listing = staff_client.get(reverse("admin:integrations_inboundevent_changelist") + "?status__exact=failed")
    with django_capture_on_commit_callbacks() as callbacks:
        staff_client.post(
            reverse("admin:integrations_inboundevent_changelist"),
            {"action": "reprocess", "_selected_action": [str(event.id)]},
        )
    # then
    assert "wc_order_58d2d042d1d" in page
    assert "[REDACTED]" in page  # the stored signature header
    assert str(event.provider_event_id) in listing.content.decode()
    event.refresh_from_db()
    assert event.status == "received"
    assert len(callbacks) == 1
