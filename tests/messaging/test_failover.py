"""Delivery through a company's provider chain: failover, attempts, retries, events and logs in one transaction."""

import pytest
from django.db import transaction

from logs.models import IntegrationLog
from messaging import services
from messaging.models import Message, MessageAttempt
from messaging.services import MessageInput
from tests.messaging.conftest import sendgrid_config, smtp_config, twilio_config
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def _queue_email(company) -> Message:
    data = MessageInput(channel="email", to=["customer@example.com"], subject="Hello", body_text="Hi there")
    return services.message_create(company_id=company.id, data=data).message


def test_first_provider_503_falls_through_to_the_second_which_sends(company, make_integration, stand_in, smtp_server):
    # given: SendGrid first (answers 503), SMTP second
    stand_in.status, stand_in.body = 503, {"errors": [{"message": "service unavailable"}]}
    sendgrid = make_integration(company, "sendgrid", sendgrid_config(stand_in.url), name="SendGrid")
    recorder, port = smtp_server
    smtp = make_integration(company, "smtp", smtp_config(port), name="SMTP")
    services.routes_set(company_id=company.id, channel="email", integration_ids=[sendgrid.id, smtp.id])
    message = _queue_email(company)
    # when
    outcome = services.message_deliver(message_id=message.id)
    # then: sent by SMTP, both attempts recorded in order
    assert outcome.status == "sent"
    message.refresh_from_db()
    assert (message.status, message.provider, message.integration_id) == ("sent", "smtp", smtp.id)
    assert message.sent_at is not None
    attempts = list(message.attempts.order_by("id"))
    assert [(a.provider, a.outcome, a.status_code) for a in attempts] == [
        ("sendgrid", "retryable_error", 503),
        ("smtp", "sent", 250),
    ]
    assert "503" in attempts[0].error
    assert len(recorder.envelopes) == 1
    # and: one log per attempt, an event for the sent status
    logs = IntegrationLog.objects.filter(company_id=company.id, operation="export").order_by("timestamp", "id")
    assert [(log.integration_type, log.operation, log.status) for log in logs] == [
        ("sendgrid", "export", "error"),
        ("smtp", "export", "success"),
    ]
    event = Event.objects.get(company_id=company.id)
    assert event.type == "message.sent"
    assert event.data["messageId"] == str(message.id) and event.data["provider"] == "smtp"


def test_a_provider_timeout_falls_through_to_the_next(company, make_integration, stand_in, second_stand_in):
    # given: the first Twilio account never answers within the timeout
    stand_in.delay = 1.5
    second_stand_in.status = 201
    second_stand_in.body = {"sid": "SM00000000000000000000000000000002", "status": "queued"}
    make_integration(company, "twilio", twilio_config(stand_in.url), name="Twilio slow")
    make_integration(company, "twilio", twilio_config(second_stand_in.url), name="Twilio backup")
    data = MessageInput(channel="sms", to=["+14155550123"], body_text="Hi")
    message = services.message_create(company_id=company.id, data=data).message
    # when
    services.message_deliver(message_id=message.id)
    # then: no routes, so the oldest active integration was tried first
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.provider_message_id == "SM00000000000000000000000000000002"
    first, second = message.attempts.order_by("id")
    assert (first.integration_name, first.outcome) == ("Twilio slow", "retryable_error")
    assert "did not answer" in first.error and first.duration_ms >= 900
    assert (second.integration_name, second.outcome) == ("Twilio backup", "sent")


def test_when_every_provider_fails_the_message_fails_with_the_last_error_and_all_attempts(
    company, make_integration, stand_in, second_stand_in, settings
):
    # given: two providers answering 500 and 503, and a single pass allowed
    settings.MESSAGING_SEND_MAX_RUNS = 1
    stand_in.status, second_stand_in.status = 500, 503
    make_integration(company, "sendgrid", sendgrid_config(stand_in.url), name="A")
    make_integration(company, "sendgrid", sendgrid_config(second_stand_in.url), name="B")
    message = _queue_email(company)
    # when
    outcome = services.message_deliver(message_id=message.id)
    # then
    assert outcome.status == "failed"
    message.refresh_from_db()
    assert message.status == "failed" and message.failed_at is not None
    assert message.error.startswith("HTTP 503")
    assert list(message.attempts.values_list("integration_name", "outcome")) == [
        ("A", "retryable_error"),
        ("B", "retryable_error"),
    ]
    assert list(Event.objects.filter(company_id=company.id).values_list("type", flat=True)) == ["message.failed"]


def test_retryable_failures_queue_the_message_again_with_backoff_until_the_runs_are_used(
    company, make_integration, stand_in, settings
):
    # given
    settings.MESSAGING_SEND_MAX_RUNS, settings.MESSAGING_RETRY_BACKOFF = 2, [7, 60]
    stand_in.status = 502
    make_integration(company, "sendgrid", sendgrid_config(stand_in.url))
    message = _queue_email(company)
    # when: the first pass fails
    first = services.message_deliver(message_id=message.id)
    # then: queued again, due in 7 s, no event yet
    assert (first.status, first.retry_in) == ("queued", 7)
    message.refresh_from_db()
    assert message.status == "queued" and message.next_attempt_at > message.created_at
    assert not Event.objects.filter(company_id=company.id).exists()
    # when: the second (last) pass fails too
    second = services.message_deliver(message_id=message.id)
    # then
    assert second.status == "failed"
    assert list(message.attempts.values_list("run", flat=True)) == [1, 2]


def test_a_rejected_message_does_not_fail_over(company, make_integration, stand_in, second_stand_in):
    # given: the first provider refuses the message itself (400)
    stand_in.status, stand_in.body = 400, {"errors": [{"message": "Does not contain a valid address."}]}
    make_integration(company, "sendgrid", sendgrid_config(stand_in.url), name="A")
    make_integration(company, "sendgrid", sendgrid_config(second_stand_in.url), name="B")
    message = _queue_email(company)
    # when
    outcome = services.message_deliver(message_id=message.id)
    # then: the second provider was never called
    assert outcome.status == "failed"
    assert second_stand_in.requests == []
    assert list(message.attempts.values_list("outcome", flat=True)) == ["rejected"]


def test_without_an_active_integration_the_message_fails_saying_so(company):
    message = _queue_email(company)
    services.message_deliver(message_id=message.id)
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error == "No active email integration is connected."


def test_routes_decide_the_order_and_skip_inactive_integrations(company, make_integration, stand_in, smtp_server):
    # given: SMTP routed before SendGrid
    recorder, port = smtp_server
    stand_in.status, stand_in.headers = 202, {"X-Message-Id": "sg-1"}
    sendgrid = make_integration(company, "sendgrid", sendgrid_config(stand_in.url))
    smtp = make_integration(company, "smtp", smtp_config(port))
    services.routes_set(company_id=company.id, channel="email", integration_ids=[smtp.id, sendgrid.id])
    # when
    message = _queue_email(company)
    services.message_deliver(message_id=message.id)
    # then
    assert list(message.attempts.values_list("provider", flat=True)) == ["smtp"]
    assert stand_in.requests == []
    # when: SMTP is switched off
    smtp.status = "inactive"
    smtp.save()
    second = _queue_email(company)
    services.message_deliver(message_id=second.id)
    # then
    assert list(second.attempts.values_list("provider", flat=True)) == ["sendgrid"]


def test_a_claimed_message_is_not_sent_twice(company, sms_integration, twilio_ok):
    data = MessageInput(channel="sms", to=["+14155550123"], body_text="Hi")
    message = services.message_create(company_id=company.id, data=data).message
    assert services.message_deliver(message_id=message.id).status == "sent"
    assert services.message_deliver(message_id=message.id).status == "skipped"
    assert len(twilio_ok.requests) == 1


def test_status_event_and_attempts_roll_back_with_the_callers_transaction(company, sms_integration):
    # given
    data = MessageInput(channel="sms", to=["+14155550123"], body_text="Hi")
    message = services.message_create(company_id=company.id, data=data).message
    # when: the surrounding transaction fails after the send was recorded
    with pytest.raises(RuntimeError), transaction.atomic():
        services.message_deliver(message_id=message.id)
        assert Event.objects.filter(type="message.sent").count() == 1
        raise RuntimeError("boom")
    # then: neither the status, the attempt nor the event survived
    message.refresh_from_db()
    assert message.status == "queued"
    assert not MessageAttempt.objects.exists()
    assert not Event.objects.exists()


def test_the_send_task_is_enqueued_only_when_the_creating_transaction_commits(
    company, django_capture_on_commit_callbacks
):
    data = MessageInput(channel="sms", to=["+14155550123"], body_text="Hi")
    with django_capture_on_commit_callbacks() as callbacks:
        message = services.message_create(company_id=company.id, data=data).message
    assert len(callbacks) == 1
    assert Message.objects.get(id=message.id).status == "queued"


def test_the_sweep_finds_overdue_queued_and_stale_claimed_messages(company):
    from datetime import timedelta

    from django.utils import timezone

    from messaging import selectors

    # given
    long_ago = timezone.now() - timedelta(minutes=10)
    overdue = _queue_email(company)
    stale = _queue_email(company)
    fresh = _queue_email(company)
    Message.objects.filter(id=overdue.id).update(next_attempt_at=long_ago)
    Message.objects.filter(id=stale.id).update(status="sending", claimed_at=long_ago)
    # when
    due = selectors.messages_due(grace_seconds=120)
    # then
    assert set(due) == {overdue.id, stale.id}
    assert fresh.id not in due


def test_a_stale_claim_can_be_taken_over(company, sms_integration, twilio_ok, settings):
    from datetime import timedelta

    from django.utils import timezone

    data = MessageInput(channel="sms", to=["+14155550123"], body_text="Hi")
    message = services.message_create(company_id=company.id, data=data).message
    Message.objects.filter(id=message.id).update(
        status="sending", claimed_at=timezone.now() - timedelta(seconds=settings.MESSAGING_SWEEP_GRACE_SECONDS + 5)
    )
    assert services.message_deliver(message_id=message.id).status == "sent"
