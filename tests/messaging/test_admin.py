"""Admin screens operators use: messages with attempts, retry, template preview."""

import pytest

from messaging import services
from messaging.services import MessageInput

pytestmark = pytest.mark.django_db


def test_a_message_page_shows_its_attempts(staff_client, company, sms_integration):
    data = MessageInput(channel="sms", to=["+14155550123"], body_text="Hi")
    message = services.message_create(company_id=company.id, data=data).message
    services.message_deliver(message_id=message.id)
    page = staff_client.get(f"/admin/messaging/message/{message.id}/change/")
    assert page.status_code == 200
    assert b"SM5e1a8c0d2b6f4a7e9c3d1b0a2f4e6c8d" in page.content
    listing = staff_client.get("/admin/messaging/message/?status__exact=sent&q=%2B14155550123")
    assert str(message.id).encode() in listing.content or b"+14155550123" in listing.content


def test_the_retry_action_queues_failed_messages_again(staff_client, company):
    data = MessageInput(channel="sms", to=["+14155550123"], body_text="Hi")
    message = services.message_create(company_id=company.id, data=data).message
    services.message_deliver(message_id=message.id)  # no integration: failed
    response = staff_client.post(
        "/admin/messaging/message/", {"action": "retry_failed", "_selected_action": [str(message.id)]}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.send_runs) == ("queued", 0)


def test_a_template_page_previews_it_with_its_sample_context_escaped(staff_client, company):
    template = services.template_create(
        company_id=company.id,
        data={
            "name": "t",
            "channel": "email",
            "subject": "Hi {{ name }}",
            "body_html": "<b>{{ name }}</b>",
            "sample_context": {"name": "<Ann>"},
        },
    )
    page = staff_client.get(f"/admin/messaging/messagetemplate/{template.id}/change/")
    assert page.status_code == 200
    assert b"Hi &lt;Ann&gt;" in page.content  # the subject is text: escaped by the admin
    assert b"&lt;b&gt;&amp;lt;Ann&amp;gt;&lt;/b&gt;" in page.content


def test_the_demo_seed_copies_the_built_in_templates_once(company):
    from messaging import demo
    from messaging.defaults import DEFAULT_TEMPLATES
    from messaging.models import MessageTemplate

    demo.seed(company)
    demo.seed(company)
    assert MessageTemplate.objects.filter(company=company).count() == len(DEFAULT_TEMPLATES)
