"""End to end with a real Celery worker: API → queue "messaging" → Twilio stand-in → status callback → delivered."""

from urllib.parse import parse_qs, urlencode

import pytest
from twilio.request_validator import RequestValidator

from messaging.models import Message
from tests.messaging.conftest import fixture_data, twilio_config
from tests.support import signers
from tests.support.processes import start_worker, stop
from tests.support.waiting import wait_until
from webhooks.models import Event

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_an_sms_is_sent_by_the_worker_and_marked_delivered_by_twilios_callback(
    api, company, make_integration, make_key, twilio_ok
):
    # given: a Twilio integration on the stand-in, and a real worker on the messaging and inbound queues
    integration = make_integration(company, "twilio", twilio_config(twilio_ok.url))
    headers = make_key(company, scopes=["messages:send"])
    worker = start_worker(
        queues="default,messaging,inbound",
        extra_env={
            "HUB_ALLOW_LOCAL_TARGETS": "true",
            "INBOUND_INTEGRATION_CACHE_SECONDS": "0",
            "MESSAGING_PROVIDER_TIMEOUT_SECONDS": "5",
        },
    )
    try:
        # when: the partner sends an SMS
        response = api.post(
            "/api/v1/messages/sms",
            {"to": "+14155550123", "message": "Order #12345 confirmed"},
            format="json",
            **headers,
        )
        assert response.status_code == 202
        message_id = response.json()["id"]
        # then: the worker sends it through Twilio's API
        wait_until(lambda: Message.objects.get(id=message_id).status == "sent", 40)
        assert parse_qs(twilio_ok.requests[0]["body"].decode())["To"] == ["+14155550123"]
        # when: Twilio calls back with "delivered", signed with the account's auth token
        params = fixture_data("twilio", "status_delivered.json")
        url = f"http://testserver/api/v1/inbound/{integration.id}/"
        callback = api.generic(
            "POST",
            f"/api/v1/inbound/{integration.id}/",
            urlencode(params),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=RequestValidator(signers.TWILIO_TOKEN).compute_signature(url, params),
        )
        assert callback.status_code == 200
        # then
        wait_until(lambda: Message.objects.get(id=message_id).status == "delivered", 40)
        detail = api.get(f"/api/v1/messages/{message_id}", **headers).json()
        assert [a["outcome"] for a in detail["attempts"]] == ["sent"]
        types = set(Event.objects.filter(company_id=company.id).values_list("type", flat=True))
        assert {"message.sent", "message.delivered"} <= types
    finally:
        stop(worker)
