"""Bulk sends (one message per recipient, own data), cross-channel fallback, and bulk validation."""

import pytest

from messaging import services
from messaging.models import BulkJob, Message, SandboxMessage
from tests.messaging.conftest import deliver_all, smtp_config

pytestmark = pytest.mark.django_db


def _settings(api, headers, **body):
    response = api.put("/api/v1/message-settings", body, format="json", **headers)
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_bulk_of_1000_recipients_renders_each_message_for_its_own_recipient(api, company, sandbox, sender_headers):
    # given: room for the whole job in the company's email window
    _settings(api, sender_headers, limits={"email": 5000})
    recipients = [{"email": f"buyer{i}@example.com", "data": {"customerName": f"Buyer {i}"}} for i in range(1000)]
    # when
    response = api.post(
        "/api/v1/messages/bulk",
        {
            "channel": "email",
            "template": "order_confirmation",
            "data": {"orderNumber": "12345", "total": "42.50", "currency": "AED"},
            "recipients": recipients,
        },
        format="json",
        **sender_headers,
    )
    # then: accepted as a job
    assert response.status_code == 202, response.json()
    job = response.json()
    assert job["status"] == "queued"
    assert job["counts"] == {"total": 1000, "queued": 1000, "sending": 0, "sent": 0, "delivered": 0, "failed": 0}
    # when: the worker runs the job's batches
    deliver_all(company.id)
    # then: a thousand emails, each to one recipient, each with its own name
    outbox = list(SandboxMessage.objects.filter(company=company, channel="email"))
    assert len(outbox) == 1000
    assert {o.recipient for o in outbox} == {f"buyer{i}@example.com" for i in range(1000)}
    for row in outbox:
        n = row.recipient.removeprefix("buyer").removesuffix("@example.com")
        assert f"Buyer {n}" in row.body_text and "12345" in row.body_text
    detail = api.get(f"/api/v1/messages/bulk/{job['id']}", **sender_headers).json()
    assert detail["status"] == "done"
    assert detail["counts"]["sent"] == 1000
    assert len(detail["messages"]) == 100 and all(len(m["to"]) == 1 for m in detail["messages"])
    page = api.get(f"/api/v1/messages?bulkJob={job['id']}&limit=5", **sender_headers).json()
    assert page["pagination"]["total"] == 1000


def test_a_recipient_missing_a_template_variable_fails_the_request_naming_it(api, sender_headers):
    response = api.post(
        "/api/v1/messages/bulk",
        {
            "channel": "sms",
            "template": "order_confirmation",
            "recipients": [
                {"phone": "+14155550100", "data": {"orderNumber": "1"}},
                {"phone": "+14155550101", "data": {"customerName": "No order number"}},
            ],
        },
        format="json",
        **sender_headers,
    )
    assert response.status_code == 400
    body = response.json()
    assert "orderNumber" in body["details"]["recipients[1]"]
    assert not BulkJob.objects.exists() and not Message.objects.exists()


def test_more_than_10000_recipients_are_refused(api, sender_headers):
    response = api.post(
        "/api/v1/messages/bulk",
        {"channel": "sms", "text": "hi", "recipients": ["+14155550100"] * 10_001},
        format="json",
        **sender_headers,
    )
    assert response.status_code == 400
    assert "recipients" in response.json()["details"]


def test_the_seed_sms_endpoint_with_recipients_is_a_bulk_job(api, company, sandbox, sender_headers):
    response = api.post(
        "/api/v1/messages/sms",
        {"to": ["+14155550100", "+14155550101"], "message": "Sale today"},
        format="json",
        **sender_headers,
    )
    assert response.status_code == 202, response.json()
    assert response.json()["counts"]["total"] == 2
    deliver_all(company.id)
    assert sorted(SandboxMessage.objects.values_list("recipient", flat=True)) == ["+14155550100", "+14155550101"]


def test_an_email_the_server_rejects_falls_back_to_the_sms_version_and_each_hop_is_recorded(
    api, company, make_integration, smtp_server, sandbox, sender_headers
):
    # given: email goes only to an SMTP server that rejects it; SMS goes to the sandbox
    recorder, port = smtp_server
    recorder.reply = "554 5.7.1 Message rejected"
    smtp = make_integration(company, "smtp", smtp_config(port), name="SMTP")
    api.put("/api/v1/message-routes/email", {"integrationIds": [str(smtp.id)]}, format="json", **sender_headers)
    api.put("/api/v1/message-routes/sms", {"integrationIds": [str(sandbox.id)]}, format="json", **sender_headers)
    # when: a notification names email, then SMS
    response = api.post(
        "/api/v1/messages",
        {
            "channel": "email",
            "template": "order_confirmation",
            "recipients": [{"email": "ann@example.com", "phone": "+14155550123", "data": {"customerName": "Ann"}}],
            "data": {"orderNumber": "777", "total": "9.00", "currency": "AED"},
            "fallbackChannels": ["sms"],
        },
        format="json",
        **sender_headers,
    )
    assert response.status_code == 202, response.json()
    deliver_all(company.id)
    # then: the email failed (rejected), and the SMS version of the same template went to her phone
    email = Message.objects.get(channel="email")
    sms = Message.objects.get(channel="sms")
    assert email.status == "failed" and "554" in email.error
    assert (sms.status, sms.recipients, sms.fallback_of_id) == ("sent", ["+14155550123"], email.id)
    assert sms.body_text == "Your order has been confirmed! Order #777"
    detail = api.get(f"/api/v1/messages/{email.id}", **sender_headers).json()
    assert detail["fallbackIds"] == [str(sms.id)]
    assert [a["outcome"] for a in detail["attempts"]] == ["rejected"]
    assert SandboxMessage.objects.get().recipient == "+14155550123"


def test_fallback_needs_the_recipients_address_on_the_next_channel(api, sender_headers):
    response = api.post(
        "/api/v1/messages/bulk",
        {"channel": "email", "subject": "s", "text": "t", "recipients": ["a@example.com"], "fallbackChannels": ["sms"]},
        format="json",
        **sender_headers,
    )
    assert response.status_code == 400
    assert "phone" in response.json()["details"]["recipients[0]"]


def test_a_company_default_region_reads_national_numbers_and_the_seed_example_says_why_it_is_refused(
    api, sender_headers
):
    refused = api.post("/api/v1/messages/sms", {"to": "0501234567", "message": "hi"}, format="json", **sender_headers)
    assert refused.status_code == 400
    assert "defaultRegion" in refused.json()["details"]["to"]
    assert _settings(api, sender_headers, defaultRegion="ae")["defaultRegion"] == "AE"
    accepted = api.post(
        "/api/v1/messages/sms", {"to": "050 123 4567", "message": "hi"}, format="json", **sender_headers
    )
    assert accepted.status_code == 202, accepted.json()
    assert accepted.json()["to"] == ["+971501234567"]
    seed = api.post("/api/v1/messages/sms", {"to": "+1234567890", "message": "hi"}, format="json", **sender_headers)
    assert seed.status_code == 400
    assert "too short for +1 numbers" in seed.json()["details"]["to"]


def test_an_unknown_region_is_refused(api, sender_headers):
    response = api.put("/api/v1/message-settings", {"defaultRegion": "XX"}, format="json", **sender_headers)
    assert response.status_code == 400
    assert "defaultRegion" in response.json()["details"]


def test_a_message_service_call_renders_a_missing_variable_as_an_error(company):
    data = services.MessageInput(channel="sms", to=["+14155550100"], template_name="order_confirmation")
    with pytest.raises(services.MessageValidationError) as caught:
        services.message_create(company_id=company.id, data=data)
    assert "orderNumber" in caught.value.details["data"]
