"""The messaging endpoints: validation, 202 queued, idempotency, lists, details, test notification, tenancy."""

import pytest

from messaging import services
from messaging.models import Message
from messaging.services import MessageInput
from tests.messaging.conftest import sendgrid_config

pytestmark = pytest.mark.django_db


def test_an_sms_in_the_seed_shape_is_queued_with_202(api, company, sender_headers):
    # when
    response = api.post(
        "/api/v1/messages/sms",
        {"to": "+1 415 555 0123", "message": "Your order has been confirmed! Order #12345", "urgent": True},
        format="json",
        **sender_headers,
    )
    # then
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued"
    assert body["to"] == ["+14155550123"]  # normalised to E.164
    assert body["priority"] == "urgent"
    assert body["createdAt"].endswith("Z")
    message = Message.objects.get(id=body["id"])
    assert (message.company_id, message.channel, message.body_text) == (
        company.id,
        "sms",
        "Your order has been confirmed! Order #12345",
    )


def test_an_email_in_the_seed_shape_keeps_the_html_and_derives_the_text(api, sender_headers):
    response = api.post(
        "/api/v1/messages/email",
        {
            "to": "customer@example.com",
            "subject": "Order Confirmation - #12345",
            "content": "<h1>Thank you for your order!</h1><p>Your order #12345 has been confirmed.</p>",
            "priority": "normal",
        },
        format="json",
        **sender_headers,
    )
    assert response.status_code == 202
    body = response.json()
    assert body["html"].startswith("<h1>Thank you")
    assert body["text"] == "Thank you for your order!Your order #12345 has been confirmed."


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/api/v1/messages/sms", {"to": "+1234", "message": "hi"}, "to"),
        ("/api/v1/messages/sms", {"to": "0501234567", "message": "hi"}, "to"),
        ("/api/v1/messages/email", {"to": "not-an-email", "subject": "s", "content": "c"}, "to"),
        ("/api/v1/messages/email", {"to": ["a@example.com", 5], "subject": "s", "content": "c"}, "to"),
        ("/api/v1/messages/email", {"to": "a@example.com", "content": "no subject"}, "subject"),
        ("/api/v1/messages/sms", {"to": "+14155550123", "template": "no_such_template"}, "template"),
        ("/api/v1/messages/sms", {"to": "+14155550123"}, "message"),
        ("/api/v1/messages", {"channel": "fax", "to": "x", "text": "hi"}, "channel"),
        ("/api/v1/messages/sms", {"to": "+14155550123", "message": "x" * 1601}, "message"),
    ],
)
def test_invalid_input_answers_400_naming_the_field(api, sender_headers, path, payload, field):
    response = api.post(path, payload, format="json", **sender_headers)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"
    assert field in body["details"], body
    assert not Message.objects.exists()


def test_an_invalid_channel_names_the_allowed_values(api, sender_headers):
    response = api.post(
        "/api/v1/messages", {"channel": "fax", "to": "x", "text": "hi"}, format="json", **sender_headers
    )
    assert "email, sms, chat" in str(response.json()["details"]["channel"])


def test_the_generic_endpoint_renders_a_built_in_template_with_its_data(api, sender_headers):
    response = api.post(
        "/api/v1/messages",
        {
            "channel": "email",
            "to": ["buyer@example.com", "ops@example.com"],
            "template": "low_stock_alert",
            "data": {"productName": "Olive oil 1L", "sku": "OIL-1L", "currentStock": 3, "threshold": 10},
        },
        format="json",
        **sender_headers,
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["subject"] == "Low stock: Olive oil 1L"
    assert "Olive oil 1L (OIL-1L) is down to 3 (threshold 10)" in body["text"]
    assert body["data"] == {"productName": "Olive oil 1L", "sku": "OIL-1L", "currentStock": 3, "threshold": 10}
    assert body["template"] == "low_stock_alert"


def test_the_same_idempotency_key_returns_the_first_message(api, sender_headers):
    payload = {"to": "+14155550123", "message": "Once only"}
    first = api.post("/api/v1/messages/sms", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1", **sender_headers)
    again = api.post("/api/v1/messages/sms", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1", **sender_headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1


def test_an_idempotency_key_reused_with_another_body_answers_422(api, sender_headers):
    api.post(
        "/api/v1/messages/sms",
        {"to": "+14155550123", "message": "A"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
        **sender_headers,
    )
    response = api.post(
        "/api/v1/messages/sms",
        {"to": "+14155550123", "message": "B"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
        **sender_headers,
    )
    assert response.status_code == 422
    assert Message.objects.count() == 1


def test_sending_needs_the_messages_send_scope(api, company, make_key):
    headers = make_key(company, scopes=["orders:read"])
    response = api.post("/api/v1/messages/sms", {"to": "+14155550123", "message": "hi"}, format="json", **headers)
    assert response.status_code == 403
    assert response.json()["details"]["requiredScopes"] == ["messages:send"]


def _message(company, channel: str = "sms", **fields) -> Message:
    to = {"sms": ["+14155550123"], "email": ["a@example.com"], "chat": []}[channel]
    data = MessageInput(channel=channel, to=to, subject="s", body_text="hello")
    message = services.message_create(company_id=company.id, data=data).message
    if fields:
        Message.objects.filter(id=message.id).update(**fields)
    return message


def test_the_list_filters_by_status_and_channel_and_paginates(api, company, other_company, sender_headers):
    # given
    _message(company, "sms", status="failed")
    _message(company, "email", status="sent")
    _message(company, "email")
    _message(other_company, "email")
    # when
    response = api.get("/api/v1/messages?channel=email&limit=1", **sender_headers)
    # then
    body = response.json()
    assert response.status_code == 200
    assert body["pagination"] == {"page": 1, "limit": 1, "total": 2, "totalPages": 2, "hasNext": True, "hasPrev": False}
    assert len(body["messages"]) == 1 and body["messages"][0]["channel"] == "email"
    failed = api.get("/api/v1/messages?status=failed", **sender_headers).json()
    assert [m["channel"] for m in failed["messages"]] == ["sms"]


def test_the_list_filters_by_date_range(api, company, sender_headers):
    _message(company, created_at="2025-11-01T10:00:00Z")
    _message(company, created_at="2025-11-06T10:00:00Z")
    body = api.get("/api/v1/messages?startDate=2025-11-05&endDate=2025-11-06", **sender_headers).json()
    assert body["pagination"]["total"] == 1
    assert body["messages"][0]["createdAt"] == "2025-11-06T10:00:00.000Z"


def test_an_invalid_status_filter_answers_400_with_the_allowed_values(api, sender_headers):
    response = api.get("/api/v1/messages?status=lost", **sender_headers)
    assert response.status_code == 400
    assert "queued, sending, sent, delivered, failed" in str(response.json()["details"]["status"])


def test_a_message_reads_with_its_attempts(api, company, sms_integration, sender_headers):
    message = _message(company)
    services.message_deliver(message_id=message.id)
    body = api.get(f"/api/v1/messages/{message.id}", **sender_headers).json()
    assert body["status"] == "sent"
    assert body["provider"] == "twilio"
    assert body["providerMessageId"] == "SM5e1a8c0d2b6f4a7e9c3d1b0a2f4e6c8d"
    [attempt] = body["attempts"]
    assert attempt["outcome"] == "sent" and attempt["integrationName"] == "Twilio"
    assert attempt["durationMs"] >= 0 and attempt["attemptedAt"].endswith("Z")


def test_another_companys_message_is_not_found(api, other_company, sender_headers):
    message = _message(other_company)
    response = api.get(f"/api/v1/messages/{message.id}", **sender_headers)
    assert response.status_code == 404
    assert response.json()["message"] == "Message not found."
    assert api.get("/api/v1/messages", **sender_headers).json()["pagination"]["total"] == 0


def test_the_test_notification_sends_now_and_answers_with_the_outcome(
    api, company, make_integration, stand_in, sender_headers
):
    # given: a SendGrid integration answering 202
    stand_in.status, stand_in.body, stand_in.headers = 202, None, {"X-Message-Id": "14c5d75ce93.dfd.64b469"}
    make_integration(company, "sendgrid", sendgrid_config(stand_in.url))
    # when: source API 004's request body
    response = api.post(
        "/api/v1/messages/test",
        {
            "type": "email",
            "recipients": [{"name": "Test User", "email": "test@example.com", "phone": "+1234567890"}],
            "template": "custom",
            "data": {"subject": "Test Notification", "message": "This is a test notification from Smart Inventory ERP"},
        },
        format="json",
        **sender_headers,
    )
    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["success"] is True
    assert body["data"]["transporter"] == "sendgrid"
    assert body["data"]["providerMessageId"] == "14c5d75ce93.dfd.64b469"
    assert body["message"]["status"] == "sent" and len(body["message"]["attempts"]) == 1
    assert len(stand_in.requests) == 1


def test_a_failed_test_notification_reports_the_error(api, company, make_integration, stand_in, sender_headers):
    stand_in.status = 401
    make_integration(company, "sendgrid", sendgrid_config(stand_in.url))
    response = api.post(
        "/api/v1/messages/test",
        {"type": "email", "recipients": [{"email": "test@example.com"}], "data": {"subject": "T", "message": "M"}},
        format="json",
        **sender_headers,
    )
    body = response.json()
    assert body["success"] is False
    assert body["data"]["status"] == "failed" and body["data"]["error"].startswith("HTTP 401")


def test_routes_can_be_set_and_read_but_only_with_the_companys_integrations(
    api, company, other_company, make_integration, stand_in, sender_headers
):
    mine = make_integration(company, "sendgrid", sendgrid_config(stand_in.url))
    theirs = make_integration(other_company, "sendgrid", sendgrid_config(stand_in.url))
    refused = api.put(
        "/api/v1/message-routes/email", {"integrationIds": [str(theirs.id)]}, format="json", **sender_headers
    )
    assert refused.status_code == 400
    response = api.put(
        "/api/v1/message-routes/email", {"integrationIds": [str(mine.id)]}, format="json", **sender_headers
    )
    assert response.status_code == 200
    routes = api.get("/api/v1/message-routes", **sender_headers).json()["routes"]
    assert [(r["channel"], r["integrationId"], r["priority"]) for r in routes] == [("email", str(mine.id), 0)]


def test_sms_sending_is_limited_to_50_per_minute_per_caller(api, sender_headers):
    payload = {"to": "+14155550123", "message": "hi"}
    statuses = [
        api.post("/api/v1/messages/sms", payload, format="json", **sender_headers).status_code for _ in range(51)
    ]
    assert statuses[:50] == [202] * 50
    assert statuses[50] == 429
    assert Message.objects.count() == 50
