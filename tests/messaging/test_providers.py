"""Each adapter against a real loopback stand-in of its provider (and a real SMTP server)."""

import base64
import json
from email import message_from_bytes
from urllib.parse import parse_qs

import pytest

from core.outbound import policy
from messaging.providers import adapter_for
from messaging.providers.base import Outgoing, SendError
from tests.messaging.conftest import TWILIO_SID, fixture_data, sendgrid_config, smtp_config, twilio_config
from tests.support.processes import free_port

SMS = Outgoing(message_id="m-1", channel="sms", recipients=["+14155550123"], body_text="Order #12345 confirmed")
EMAIL = Outgoing(
    message_id="6f1c7a52-0000-4000-8000-000000000001",
    channel="email",
    recipients=["customer@example.com", "ops@example.com"],
    subject="Order Confirmation - #12345",
    body_text="Thank you for your order!",
    body_html="<h1>Thank you for your order!</h1>",
)
CHAT = Outgoing(message_id="m-3", channel="chat", recipients=["#alerts"], body_text="Low stock: Olive oil")


def test_twilio_posts_the_message_form_to_messages_json_with_basic_auth(twilio_ok):
    # when
    result = adapter_for("twilio")(twilio_config(twilio_ok.url), SMS)
    # then: the official library's request, answered with Twilio's resource shape
    assert result.provider_message_id == "SM5e1a8c0d2b6f4a7e9c3d1b0a2f4e6c8d"
    request = twilio_ok.requests[0]
    assert request["path"] == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    form = parse_qs(request["body"].decode())
    assert form == {"To": ["+14155550123"], "From": ["+15005550006"], "Body": ["Order #12345 confirmed"]}
    user, _, password = base64.b64decode(request["headers"]["Authorization"].split()[1]).decode().partition(":")
    assert (user, password) == (TWILIO_SID, "12345678901234567890123456789012")


def test_twilio_invalid_number_is_a_rejection_not_a_failover(stand_in):
    # given: Twilio's 400 for an invalid To
    stand_in.status, stand_in.body = 400, fixture_data("twilio", "error_invalid_to.json")
    # when
    with pytest.raises(SendError) as caught:
        adapter_for("twilio")(twilio_config(stand_in.url), SMS)
    # then
    assert caught.value.kind == SendError.REJECTED
    assert caught.value.status_code == 400
    assert "not a valid phone number" in str(caught.value)


def test_twilio_503_is_retryable(stand_in):
    stand_in.status, stand_in.body = 503, {"code": 20503, "message": "Service unavailable", "status": 503}
    with pytest.raises(SendError) as caught:
        adapter_for("twilio")(twilio_config(stand_in.url), SMS)
    assert caught.value.kind == SendError.RETRYABLE


def test_sendgrid_posts_the_v3_mail_send_shape_and_reads_x_message_id(stand_in):
    # given: SendGrid answers 202 with an empty body and the id in a header
    stand_in.status, stand_in.body, stand_in.headers = 202, None, {"X-Message-Id": "14c5d75ce93.dfd.64b469"}
    # when
    result = adapter_for("sendgrid")(sendgrid_config(stand_in.url), EMAIL)
    # then
    assert result.provider_message_id == "14c5d75ce93.dfd.64b469"
    request = stand_in.requests[0]
    assert request["path"] == "/v3/mail/send"
    assert request["headers"]["Authorization"] == "Bearer SG.test-key-0123456789"
    body = json.loads(request["body"])
    # one personalization per recipient: each gets their own email and never sees the other's address
    assert body["personalizations"] == [
        {"to": [{"email": "customer@example.com"}]},
        {"to": [{"email": "ops@example.com"}]},
    ]
    assert body["from"] == {"email": "noreply@shop.example.com"}
    assert body["subject"] == "Order Confirmation - #12345"
    assert body["content"] == [
        {"type": "text/plain", "value": "Thank you for your order!"},
        {"type": "text/html", "value": "<h1>Thank you for your order!</h1>"},
    ]
    assert body["custom_args"] == {"hub_message_id": EMAIL.message_id}


def test_sendgrid_429_is_retryable_and_401_is_a_provider_error(stand_in):
    stand_in.status, stand_in.body = 429, {"errors": [{"message": "too many requests"}]}
    with pytest.raises(SendError) as caught:
        adapter_for("sendgrid")(sendgrid_config(stand_in.url), EMAIL)
    assert caught.value.kind == SendError.RETRYABLE
    stand_in.status, stand_in.body = 401, {"errors": [{"message": "authorization required"}]}
    with pytest.raises(SendError) as caught:
        adapter_for("sendgrid")(sendgrid_config(stand_in.url), EMAIL)
    assert caught.value.kind == SendError.PROVIDER


def test_smtp_delivers_a_multipart_email_to_a_real_smtp_server(smtp_server):
    recorder, port = smtp_server
    # when
    result = adapter_for("smtp")(smtp_config(port), EMAIL)
    # then
    # one email per recipient, each addressed to that recipient alone
    assert [e.rcpt_tos for e in recorder.envelopes] == [["customer@example.com"], ["ops@example.com"]]
    assert [message_from_bytes(e.content)["To"] for e in recorder.envelopes] == [
        "customer@example.com",
        "ops@example.com",
    ]
    envelope = recorder.envelopes[0]
    assert envelope.mail_from == "alerts@shop.example.com"
    email = message_from_bytes(envelope.content)
    assert email["Subject"] == "Order Confirmation - #12345"
    assert email["X-Hub-Message-Id"] == EMAIL.message_id
    assert result.provider_message_id == email["Message-ID"].strip("<>")
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode().strip() for p in email.walk() if not p.is_multipart()
    }
    assert parts["text/plain"] == "Thank you for your order!"
    assert parts["text/html"] == "<h1>Thank you for your order!</h1>"


def test_smtp_4xx_is_retryable_and_5xx_is_a_rejection(smtp_server):
    recorder, port = smtp_server
    recorder.reply = "451 4.3.0 Mail server temporarily rejected message"
    with pytest.raises(SendError) as caught:
        adapter_for("smtp")(smtp_config(port), EMAIL)
    assert caught.value.kind == SendError.RETRYABLE
    recorder.reply = "554 5.7.1 Message rejected"
    with pytest.raises(SendError) as caught:
        adapter_for("smtp")(smtp_config(port), EMAIL)
    assert caught.value.kind == SendError.REJECTED


def test_smtp_refuses_a_server_without_starttls_when_tls_is_required(smtp_server, settings, monkeypatch):
    # The switch off requires TLS; the loopback server stays reachable by accepting every address.
    settings.HUB_ALLOW_LOCAL_TARGETS = False
    monkeypatch.setattr(policy, "address_refusal", lambda ip: None)
    recorder, port = smtp_server
    with pytest.raises(SendError) as caught:
        adapter_for("smtp")(smtp_config(port), EMAIL)
    assert "STARTTLS" in str(caught.value)
    assert recorder.envelopes == []


def test_smtp_connection_refused_is_retryable():
    with pytest.raises(SendError) as caught:
        adapter_for("smtp")(smtp_config(free_port()), EMAIL)
    assert caught.value.kind == SendError.RETRYABLE


def test_slack_posts_chat_post_message_with_the_bot_token(stand_in):
    stand_in.body = fixture_data("slack", "post_message_ok.json")
    config = {"baseUrl": stand_in.url, "botToken": "xoxb-test-token"}
    # when
    result = adapter_for("slack")(config, CHAT)
    # then
    assert result.provider_message_id == "1762425012.000200"
    request = stand_in.requests[0]
    assert request["path"] == "/api/chat.postMessage"
    assert request["headers"]["Authorization"] == "Bearer xoxb-test-token"
    assert json.loads(request["body"]) == {"channel": "#alerts", "text": "Low stock: Olive oil"}


def test_slack_ok_false_invalid_auth_is_a_provider_error(stand_in):
    stand_in.body = {"ok": False, "error": "invalid_auth"}
    with pytest.raises(SendError) as caught:
        adapter_for("slack")({"baseUrl": stand_in.url, "botToken": "xoxb-bad"}, CHAT)
    assert caught.value.kind == SendError.PROVIDER


def test_slack_incoming_webhook_url_is_used_when_configured(stand_in):
    config = {"botToken": "xoxb-unused", "webhookUrl": f"{stand_in.url}/services/T000/B000/XXXX"}
    adapter_for("slack")(config, CHAT)
    assert stand_in.requests[0]["path"] == "/services/T000/B000/XXXX"
    assert json.loads(stand_in.requests[0]["body"]) == {"text": "Low stock: Olive oil"}


def test_a_provider_slower_than_the_timeout_is_retryable(stand_in):
    stand_in.delay = 1.5  # the timeout is 1 s in tests
    with pytest.raises(SendError) as caught:
        adapter_for("sendgrid")(sendgrid_config(stand_in.url), EMAIL)
    assert caught.value.kind == SendError.RETRYABLE
    assert "did not answer" in str(caught.value)


def test_twilio_is_given_the_receiver_as_status_callback_when_the_public_origin_is_known(twilio_ok, settings):
    settings.INTEGRATIONS_PUBLIC_BASE_URL = "https://hub.example.com"
    values = {**twilio_config(twilio_ok.url), "_integrationId": "0b7c5f4e-1111-4222-8333-944455556666"}
    adapter_for("twilio")(values, SMS)
    form = parse_qs(twilio_ok.requests[0]["body"].decode())
    assert form["StatusCallback"] == ["https://hub.example.com/api/v1/inbound/0b7c5f4e-1111-4222-8333-944455556666/"]


def test_private_provider_addresses_are_refused_outside_development(stand_in, settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = False
    with pytest.raises(SendError) as caught:
        adapter_for("sendgrid")(sendgrid_config(stand_in.url), EMAIL)
    assert "non-public address" in str(caught.value)
    assert stand_in.requests == []
