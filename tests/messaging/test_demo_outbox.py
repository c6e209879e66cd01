"""The embedded demo: seeded with a sandbox, an email and an SMS sent through the API land in the admin outbox."""

import pytest

from integrations import demo as integrations_demo
from messaging import demo
from messaging.models import Message
from tests.messaging.conftest import deliver_all

pytestmark = pytest.mark.django_db


def test_the_demo_sends_an_email_and_an_sms_visible_in_the_sandbox_outbox(api, company, make_key, admin_client):
    # given: the demo seed (its integrations and messaging's sandbox)
    integrations_demo.seed(company)
    demo.seed(company)
    demo.seed(company)  # idempotent
    headers = make_key(company, scopes=["messages:send"])
    # when
    email = api.post(
        "/api/v1/messages/email",
        {"to": "customer@example.com", "subject": "Demo order", "content": "<p>Thanks for order #1</p>"},
        format="json",
        **headers,
    )
    sms = api.post("/api/v1/messages/sms", {"to": "+14155550123", "message": "Demo SMS #1"}, format="json", **headers)
    assert email.status_code == sms.status_code == 202
    deliver_all(company.id)
    # then
    assert set(Message.objects.values_list("status", "provider")) == {("sent", "sandbox")}
    page = admin_client.get("/admin/messaging/sandboxmessage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "customer@example.com" in html and "+14155550123" in html and "Demo SMS #1" in html
