"""Vonage and Textlocal SMS against loopback stand-ins of their documented APIs, and their delivery receipts."""

import time
from urllib.parse import parse_qs, urlencode

import pytest

from integrations import services as integration_services
from integrations.models import InboundEvent
from integrations.providers.vonage import signature
from messaging import services
from messaging.models import Message
from messaging.providers import adapter_for
from messaging.providers.base import Outgoing, SendError
from tests.messaging.conftest import fixture_data

pytestmark = pytest.mark.django_db
SIGNATURE_SECRET = "vonage-signature-secret-0123456789"
SMS = Outgoing(
    message_id="6f1c7a52-0000-4000-8000-0000000000aa", channel="sms", recipients=["+447700900000"], body_text="Hi"
)


def vonage_config(url: str, **extra: str) -> dict[str, str]:
    return {
        "baseUrl": url,
        "apiKey": "abcd1234",
        "apiSecret": "s3cr3t-api",
        "from": "AcmeInc",
        "signatureSecret": SIGNATURE_SECRET,
        **extra,
    }


def textlocal_config(url: str) -> dict[str, str]:
    return {"baseUrl": url, "apiKey": "tl-api-key-0123", "sender": "Jims Autos", "receiptToken": "rt-0123456789abcdef"}


def _process_received() -> None:
    for event in InboundEvent.objects.filter(status="received"):
        integration_services.inbound_event_process(event_id=event.id)


def test_vonage_posts_the_sms_form_and_reads_the_message_id(stand_in):
    stand_in.body = fixture_data("vonage", "sms_sent.json")
    result = adapter_for("vonage")(vonage_config(stand_in.url), SMS)
    assert result.provider_message_id == "0A0000000123ABCD1"
    request = stand_in.requests[0]
    assert request["path"] == "/sms/json"
    form = parse_qs(request["body"].decode())
    assert form["to"] == ["447700900000"] and form["from"] == ["AcmeInc"] and form["text"] == ["Hi"]
    assert form["api_key"] == ["abcd1234"] and form["client-ref"] == [SMS.message_id]


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [("sms_throttled.json", SendError.RETRYABLE), ("sms_invalid_credentials.json", SendError.PROVIDER)],
)
def test_vonage_status_codes_in_a_200_answer_are_classified(stand_in, fixture, kind):
    stand_in.body = fixture_data("vonage", fixture)
    with pytest.raises(SendError) as caught:
        adapter_for("vonage")(vonage_config(stand_in.url), SMS)
    assert caught.value.kind == kind
    assert "Vonage status" in str(caught.value)


def _vonage_receipt(api, integration, params: dict, *, method: str = "md5hash", secret: str = SIGNATURE_SECRET):
    signed = {**params, "timestamp": str(int(time.time())), "nonce": "6f4f3a1e-1c0b"}
    signed["sig"] = signature(signed, secret, method)
    return api.generic(
        "POST",
        f"/api/v1/inbound/{integration.id}/",
        urlencode(signed),
        content_type="application/x-www-form-urlencoded",
    )


@pytest.mark.parametrize("method", ["md5hash", "sha256"])
def test_a_signed_vonage_receipt_marks_the_sms_delivered(api, company, make_integration, stand_in, method):
    # given: an SMS Vonage accepted as 0A0000000123ABCD1
    stand_in.body = fixture_data("vonage", "sms_sent.json")
    integration = make_integration(company, "vonage", vonage_config(stand_in.url, signatureMethod=method))
    data = services.MessageInput(channel="sms", to=["+447911123456"], body_text="Hi")
    message = services.message_create(company_id=company.id, data=data, enqueue=False).message
    services.message_deliver(message_id=message.id)
    # when: Vonage posts its signed delivery receipt
    response = _vonage_receipt(api, integration, fixture_data("vonage", "dlr_delivered.json"), method=method)
    assert response.status_code == 200, response.content
    _process_received()
    # then
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_vonage_receipt_with_a_wrong_signature_is_refused(api, company, make_integration, stand_in):
    integration = make_integration(company, "vonage", vonage_config(stand_in.url))
    response = _vonage_receipt(api, integration, fixture_data("vonage", "dlr_delivered.json"), secret="not-it")
    assert response.status_code == 401
    assert response.json()["message"] == "sig does not match the parameters and the signature secret."
    assert not InboundEvent.objects.exists()


def test_textlocal_posts_send_and_a_receipt_with_our_token_marks_the_sms_delivered(
    api, company, make_integration, stand_in, settings
):
    # given: the hub's public origin is known, so the SMS names its receipt URL
    settings.INTEGRATIONS_PUBLIC_BASE_URL = "http://testserver"
    stand_in.body = fixture_data("textlocal", "send_success.json")
    integration = make_integration(company, "textlocal", textlocal_config(stand_in.url))
    data = services.MessageInput(channel="sms", to=["+447123456789"], body_text="This is your message")
    message = services.message_create(company_id=company.id, data=data, enqueue=False).message
    # when
    services.message_deliver(message_id=message.id)
    # then: Textlocal's documented send form
    form = parse_qs(stand_in.requests[0]["body"].decode())
    assert stand_in.requests[0]["path"] == "/send/"
    assert form["numbers"] == ["447123456789"] and form["sender"] == ["Jims Autos"]
    assert form["custom"] == [message.id.hex]
    receipt_url = form["receipt_url"][0]
    assert receipt_url == f"http://testserver/api/v1/inbound/{integration.id}/?token=rt-0123456789abcdef"
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("sent", "1151346216")
    # when: Textlocal posts the receipt to that URL
    receipt = {"number": "447123456789", "status": "D", "customID": message.id.hex, "datetime": "2025-11-06 10:31:00"}
    path = receipt_url.removeprefix("http://testserver")
    response = api.generic("POST", path, urlencode(receipt), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    _process_received()
    # then
    message.refresh_from_db()
    assert message.status == "delivered"
    # and a receipt without the token is refused
    forged = api.generic(
        "POST",
        f"/api/v1/inbound/{integration.id}/",
        urlencode(receipt),
        content_type="application/x-www-form-urlencoded",
    )
    assert forged.status_code == 401


def test_textlocal_invalid_login_is_a_provider_error(stand_in):
    stand_in.body = fixture_data("textlocal", "send_invalid_login.json")
    with pytest.raises(SendError) as caught:
        adapter_for("textlocal")(textlocal_config(stand_in.url), SMS)
    assert caught.value.kind == SendError.PROVIDER
    assert Message.objects.count() == 0
