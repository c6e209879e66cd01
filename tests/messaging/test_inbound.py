"""Provider reports through the real inbound receiver: Twilio status callbacks, SendGrid event webhooks."""

import json
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from integrations import services as integration_services
from integrations.models import InboundEvent
from messaging import services
from messaging.models import Message
from messaging.services import MessageInput
from tests.messaging.conftest import fixture_data, sendgrid_config
from tests.support import signers
from webhooks.models import Event

pytestmark = pytest.mark.django_db
RECEIVER = "http://testserver/api/v1/inbound/{id}/"


def _sent_sms(company) -> Message:
    data = MessageInput(channel="sms", to=["+14155550123"], body_text="Hi")
    message = services.message_create(company_id=company.id, data=data).message
    services.message_deliver(message_id=message.id)
    message.refresh_from_db()
    assert message.status == "sent"
    return message


def _post_twilio(api, integration, params: dict) -> None:
    url = RECEIVER.format(id=integration.id)
    signature = RequestValidator(signers.TWILIO_TOKEN).compute_signature(url, params)
    response = api.generic(
        "POST",
        f"/api/v1/inbound/{integration.id}/",
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )
    assert response.status_code == 200, response.content


def _process_received() -> None:
    """Run what the inbound worker runs for each stored event."""
    for event in InboundEvent.objects.filter(status="received"):
        integration_services.inbound_event_process(event_id=event.id)


def test_a_signed_twilio_delivered_callback_marks_the_message_delivered_once(api, company, sms_integration):
    # given: an SMS Twilio accepted as SM5e1a…
    message = _sent_sms(company)
    params = fixture_data("twilio", "status_delivered.json")
    # when: Twilio reports it delivered, twice (Twilio retries callbacks)
    _post_twilio(api, sms_integration, params)
    _process_received()
    _post_twilio(api, sms_integration, params)
    _process_received()
    # then
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    assert InboundEvent.objects.get().status == "processed"
    assert Event.objects.filter(company_id=company.id, type="message.delivered").count() == 1


def test_an_undelivered_callback_marks_the_message_failed_with_twilios_error_code(api, company, sms_integration):
    message = _sent_sms(company)
    _post_twilio(api, sms_integration, fixture_data("twilio", "status_undelivered.json"))
    _process_received()
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error == "Twilio reported undelivered (error 30003)."
    assert Event.objects.filter(type="message.failed").count() == 1


def test_a_delivered_message_is_not_turned_failed_by_a_late_report(api, company, sms_integration):
    message = _sent_sms(company)
    _post_twilio(api, sms_integration, fixture_data("twilio", "status_delivered.json"))
    _process_received()
    _post_twilio(api, sms_integration, fixture_data("twilio", "status_undelivered.json"))
    _process_received()
    message.refresh_from_db()
    assert message.status == "delivered"
    assert not Event.objects.filter(type="message.failed").exists()


def test_a_callback_for_another_companys_message_changes_nothing(
    api, company, other_company, make_integration, twilio_ok
):
    # given: the SID belongs to a message of `company`; the callback arrives on other_company's integration
    from tests.messaging.conftest import twilio_config

    mine = make_integration(company, "twilio", twilio_config(twilio_ok.url))
    theirs = make_integration(other_company, "twilio", twilio_config(twilio_ok.url, token=signers.TWILIO_TOKEN))
    message = _sent_sms(company)
    assert message.integration_id == mine.id
    # when
    _post_twilio(api, theirs, fixture_data("twilio", "status_delivered.json"))
    _process_received()
    # then
    message.refresh_from_db()
    assert message.status == "sent"


def test_sendgrid_bounce_events_mark_the_email_failed(api, company, make_integration, stand_in):
    # given: an email SendGrid accepted with X-Message-Id 14c5d75ce93.dfd.64b469
    stand_in.status, stand_in.body, stand_in.headers = 202, None, {"X-Message-Id": "14c5d75ce93.dfd.64b469"}
    integration = make_integration(
        company, "sendgrid", {**sendgrid_config(stand_in.url), "verificationKey": signers.SENDGRID_PUBLIC_KEY}
    )
    data = MessageInput(channel="email", to=["john.doe@example.com"], subject="Hi", body_text="Hello")
    message = services.message_create(company_id=company.id, data=data).message
    services.message_deliver(message_id=message.id)
    # when: SendGrid's signed event batch (processed, bounce)
    body = json.dumps(fixture_data("sendgrid", "events_processed_bounce.json"), separators=(",", ":")).encode()
    headers = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in signers.sendgrid_headers(body).items()}
    response = api.generic(
        "POST", f"/api/v1/inbound/{integration.id}/", body, content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content
    _process_received()
    # then
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error.startswith("SendGrid bounce: 550 5.1.1")
