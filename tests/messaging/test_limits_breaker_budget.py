"""The per-company SMS limit across every sending endpoint, the breaker skipping a dead provider, render budgets."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from messaging import services
from messaging.models import Message, MessageAttempt, MessagingSettings, SandboxMessage
from tests.messaging.conftest import deliver_all, sendgrid_config


@pytest.mark.django_db(transaction=True)
def test_the_sms_limit_holds_across_every_sending_endpoint_under_parallel_requests(company, make_key, sandbox):
    # given: 10 SMS per minute for the company
    MessagingSettings.objects.create(company=company, sms_per_minute=10)
    headers = make_key(company, scopes=["messages:send"], rate_limit=10_000)
    requests = [
        ("/api/v1/messages/sms", {"to": "+14155550100", "message": "a"}),
        ("/api/v1/messages", {"channel": "sms", "to": "+14155550101", "text": "b"}),
        ("/api/v1/messages/test", {"type": "sms", "recipients": [{"phone": "+14155550102"}], "data": {"message": "c"}}),
    ] * 8

    def post(item):
        path, body = item
        try:
            return APIClient().post(path, body, format="json", **headers).status_code
        finally:
            connection.close()

    # when: 24 requests at once over the three endpoints
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, requests))
    # then: exactly 10 messages were admitted, whichever endpoint carried them
    assert sorted(set(statuses)) == [200, 202, 429]
    assert sum(s in (200, 202) for s in statuses) == 10
    assert statuses.count(429) == 14
    assert Message.objects.filter(company=company).count() == 10
    # and a bulk job is accepted but waits for room instead of sending or failing
    bulk = APIClient().post(
        "/api/v1/messages/bulk",
        {"channel": "sms", "text": "d", "recipients": ["+14155550103"]},
        format="json",
        **headers,
    )
    assert bulk.status_code == 202
    deliver_all(company.id, rounds=1)
    waiting = Message.objects.get(bulk_job_id=bulk.json()["id"])
    assert waiting.status == "queued" and waiting.send_runs == 0 and waiting.admitted_at is None
    assert not SandboxMessage.objects.filter(recipient="+14155550103").exists()


@pytest.mark.django_db
def test_a_dead_provider_is_skipped_by_the_breaker_without_a_timeout_per_message(
    company, make_integration, stand_in, sandbox, settings
):
    # given: a SendGrid that never answers in time (1 s timeout), then the sandbox
    settings.CIRCUIT_FAILURE_THRESHOLD = 2
    stand_in.delay = 1.5
    dead = make_integration(company, "sendgrid", sendgrid_config(stand_in.url), name="Dead SendGrid")
    services.routes_set(company_id=company.id, channel="email", integration_ids=[dead.id, sandbox.id])
    ids = []
    for n in range(6):
        data = services.MessageInput(channel="email", to=[f"u{n}@example.com"], subject="s", body_text="t")
        ids.append(services.message_create(company_id=company.id, data=data, enqueue=False).message.id)
    # when
    started = time.monotonic()
    for message_id in ids:
        services.message_deliver(message_id=message_id)
    elapsed = time.monotonic() - started
    # then: every message went out through the sandbox; only the first two paid the timeout
    assert set(Message.objects.filter(id__in=ids).values_list("status", flat=True)) == {"sent"}
    dead_attempts = list(MessageAttempt.objects.filter(provider="sendgrid").order_by("id"))
    assert [a.error.startswith("Skipped:") for a in dead_attempts] == [False, False, True, True, True, True]
    assert all(a.duration_ms >= 900 for a in dead_attempts[:2])
    assert all(a.duration_ms == 0 for a in dead_attempts[2:])
    assert elapsed < 2 * 1.5 + 2  # two timeouts, not six
    assert len(stand_in.requests) == 2


@pytest.mark.django_db
def test_a_provider_that_answers_429_with_retry_after_is_not_called_again_before_it(
    company, make_integration, stand_in, sandbox
):
    stand_in.status, stand_in.body, stand_in.headers = (
        429,
        {"errors": [{"message": "slow down"}]},
        {"Retry-After": "30"},
    )
    limited = make_integration(company, "sendgrid", sendgrid_config(stand_in.url), name="Limited SendGrid")
    services.routes_set(company_id=company.id, channel="email", integration_ids=[limited.id, sandbox.id])
    for n in range(3):
        data = services.MessageInput(channel="email", to=[f"u{n}@example.com"], subject="s", body_text="t")
        message = services.message_create(company_id=company.id, data=data, enqueue=False).message
        services.message_deliver(message_id=message.id)
    assert len(stand_in.requests) == 1  # the next two skipped it for its 30 s
    assert SandboxMessage.objects.count() == 3


@pytest.mark.django_db
def test_nested_loops_in_a_template_preview_answer_400_quickly(api, sender_headers):
    created = api.post(
        "/api/v1/message-templates",
        {
            "name": "loops",
            "channel": "email",
            "subject": "s",
            "text": "{% for a in xs %}{% for b in xs %}{% for c in xs %}{% for d in xs %}{{ a }}{% endfor %}"
            "{% endfor %}{% endfor %}{% endfor %}",
        },
        format="json",
        **sender_headers,
    )
    assert created.status_code == 201, created.json()
    started = time.monotonic()
    response = api.post(
        f"/api/v1/message-templates/{created.json()['id']}/preview",
        {"data": {"xs": list(range(500))}},  # 500**4 iterations: hours without a budget
        format="json",
        **sender_headers,
    )
    assert response.status_code == 400
    # whichever bound bites first on a busy machine: the step cap or the one-second time box
    message = response.json()["message"]
    assert "too much work" in message or "took too long to render" in message
    assert time.monotonic() - started < 3


@pytest.mark.django_db
def test_output_too_large_and_huge_padding_are_refused(api, sender_headers):
    from messaging import rendering

    with pytest.raises(rendering.RenderBudgetExceeded):
        rendering.render("{% for a in xs %}{{ big }}{% endfor %}", {"xs": list(range(1000)), "big": "x" * 1000})
    with pytest.raises(rendering.TemplateError, match="widths above"):
        rendering.render('{{ s|ljust:"100000000" }}', {"s": "x"})
    with pytest.raises(rendering.TemplateError):
        rendering.template_check("{% lorem 100000000 w %}")


@pytest.mark.django_db
def test_a_preview_missing_a_variable_names_it_and_a_default_makes_it_optional(api, sender_headers):
    created = api.post(
        "/api/v1/message-templates",
        {"name": "hello", "channel": "sms", "text": 'Hi {{ name }}{% if x %}!{% endif %} {{ note|default:"-" }}'},
        format="json",
        **sender_headers,
    ).json()
    missing = api.post(
        f"/api/v1/message-templates/{created['id']}/preview", {"data": {}}, format="json", **sender_headers
    )
    assert missing.status_code == 400
    assert '"name"' in missing.json()["details"]["data"]
    ok = api.post(
        f"/api/v1/message-templates/{created['id']}/preview", {"data": {"name": "Ann"}}, format="json", **sender_headers
    )
    assert ok.json()["text"] == "Hi Ann -"
