"""End to end: events published in a transaction reach a real loopback receiver through a real worker."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks import Webhook

from tests.support.http import Answer, StandIn, answer_ok
from tests.support.processes import start_beat, stop
from tests.support.waiting import wait_until
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def publish(company, event_type="order.created", data=None, **kwargs):
    with transaction.atomic():
        return services.event_publish(company, event_type, data or {"orderId": "o-1"}, **kwargs)


def delivery_of(event) -> Delivery:
    return Delivery.objects.get(event=event)


def finished(event):
    return lambda: Delivery.objects.filter(event=event, status__in=["success", "failed"]).first()


def test_a_published_event_arrives_signed_and_verifies_with_standardwebhooks(webhook_worker, company, endpoint_for):
    with StandIn(answer_ok) as receiver:
        # given
        endpoint = endpoint_for(receiver.url, ["order.created"])
        # when
        event = publish(company, data={"orderId": "o-42", "total": "12.50"})
        delivery = wait_until(finished(event))
        # then
        assert delivery.status == "success"
        assert len(receiver.requests) == 1
        request = receiver.requests[0]
        payload = Webhook(endpoint.secret).verify(request.body, request.headers)
        assert payload["type"] == "order.created"
        assert payload["data"] == {"orderId": "o-42", "total": "12.50"}
        assert request.headers["webhook-id"] == event.message_id
        attempt = Attempt.objects.get(delivery=delivery)
        assert (attempt.number, attempt.status_code, attempt.success, attempt.response_body) == (1, 200, True, "ok")


def test_a_500_is_retried_and_the_second_attempt_succeeds(webhook_worker, company, endpoint_for):
    with StandIn(lambda request: Answer(500, b"boom") if request.n == 1 else Answer(200)) as receiver:
        endpoint_for(receiver.url)
        event = publish(company)
        delivery = wait_until(finished(event))
        assert delivery.status == "success"
        assert list(delivery.attempts.values_list("status_code", flat=True)) == [500, 200]
        assert receiver.header_values("webhook-id") == [event.message_id, event.message_id]


def test_a_timeout_is_recorded_and_retried(webhook_worker, company, endpoint_for):
    # given a receiver slower than the 1 s read timeout on its first request
    with StandIn(lambda request: Answer(200, delay=2.5) if request.n == 1 else Answer(200)) as receiver:
        endpoint_for(receiver.url)
        # when
        event = publish(company)
        delivery = wait_until(finished(event))
        # then
        first, second = delivery.attempts.all()
        assert first.status_code is None and "Timed out" in first.error
        assert second.success


def test_connection_refused_exhausts_max_retries_then_fails(webhook_worker, company, endpoint_for):
    # given a port nobody listens on, and two retries allowed
    with StandIn(answer_ok) as receiver:
        url = receiver.url
    endpoint = endpoint_for(url, max_retries=2)
    # when
    event = publish(company)
    delivery = wait_until(finished(event))
    # then
    attempts = list(delivery.attempts.all())
    assert delivery.status == "failed"
    assert len(attempts) == 3
    assert all("Connection failed" in a.error for a in attempts), [a.error for a in attempts]
    endpoint.refresh_from_db()
    assert endpoint.failure_count == 3 and endpoint.failing_since is not None
    assert endpoint.status == "active"


def test_a_410_disables_the_endpoint_with_a_reason(webhook_worker, company, endpoint_for):
    with StandIn(lambda request: Answer(410, b"gone")) as receiver:
        endpoint = endpoint_for(receiver.url)
        event = publish(company)
        delivery = wait_until(finished(event))
        assert delivery.status == "failed" and delivery.attempts.count() == 1
        endpoint.refresh_from_db()
        assert endpoint.status == Endpoint.Status.FAILED
        assert "410" in endpoint.disabled_reason
        # a later event is not delivered to the disabled endpoint
        later = publish(company, "order.updated")
        assert not Delivery.objects.filter(event=later).exists()
        # and an operator can re-enable it
        services.endpoint_enable(endpoint=endpoint)
        endpoint.refresh_from_db()
        assert endpoint.status == "active" and endpoint.disabled_reason == ""


def test_a_4xx_is_not_retried(webhook_worker, company, endpoint_for):
    with (
        StandIn(lambda request: Answer(400, b"bad payload")) as receiver,
        StandIn(lambda request: Answer(500) if request.n == 1 else Answer(200)) as marker,
    ):
        endpoint_for(receiver.url, ["order.created"])
        endpoint_for(marker.url, ["order.updated"])
        event = publish(company)
        wait_until(finished(event))
        # a retry would come 1 s after the 400; the marker fails after it and is retried 1 s later,
        # so once the marker's retry has arrived, the 400's retry would have too
        wait_until(finished(publish(company, "order.updated")))
        delivery = delivery_of(event)
        assert delivery.status == "failed"
        assert len(receiver.requests) == 1
        assert delivery.attempts.get().response_body == "bad payload"


def test_retry_after_is_honoured(webhook_worker, company, endpoint_for):
    with StandIn(
        lambda request: Answer(429, headers={"Retry-After": "2"}) if request.n == 1 else Answer(200)
    ) as receiver:
        endpoint_for(receiver.url)
        event = publish(company)
        wait_until(finished(event))
        first, second = receiver.requests
        assert second.at - first.at >= 1.9  # the schedule alone would retry after 1 s


def test_every_delivery_arrives_after_the_receiver_was_down_for_a_while(webhook_worker, company, endpoint_for):
    # given a receiver answering 503 for its first 2 seconds
    started = time.time()
    with StandIn(lambda request: Answer(503) if time.time() - started < 2 else Answer(200)) as receiver:
        endpoint_for(receiver.url)
        # when
        events = [publish(company, data={"n": i}) for i in range(10)]
        wait_until(lambda: Delivery.objects.filter(status="success").count() == 10, timeout=30)
        # then
        delivered = {r.headers["webhook-id"] for r in receiver.requests if r.at - started >= 2}
        assert delivered == {e.message_id for e in events}
        assert not Delivery.objects.exclude(status="success").exists()


def test_idempotent_publish_delivers_once(webhook_worker, company, endpoint_for):
    with StandIn(answer_ok) as receiver, StandIn(answer_ok) as marker:
        endpoint_for(receiver.url, ["order.created"])
        endpoint_for(marker.url, ["order.updated"])
        first = publish(company, idempotency_key="order-7:created")
        again = publish(company, idempotency_key="order-7:created")
        wait_until(finished(first))
        # a second delivery would have been enqueued before this later event's, which has arrived
        wait_until(finished(publish(company, "order.updated")))
        assert again.id == first.id
        assert receiver.header_values("webhook-id") == [first.message_id]


def test_a_dropped_broker_message_is_delivered_by_the_sweeper(
    webhook_worker, company, endpoint_for, monkeypatch, tmp_path
):
    with StandIn(answer_ok) as receiver:
        # given a delivery whose broker message is lost on the way (the enqueue after commit drops it)
        endpoint_for(receiver.url)
        with monkeypatch.context() as patch:
            patch.setattr(services, "deliveries_enqueue", lambda ids, countdown=0: None)
            event = publish(company, data={"orderId": "lost"})
        # its message is older than the sweep grace (2 s), as if it had been lost a while ago
        Delivery.objects.filter(event=event).update(enqueued_at=F("enqueued_at") - timedelta(seconds=3))
        assert receiver.requests == []
        assert delivery_of(event).status == "pending"
        # when a real beat sends the sweep task (every second here)
        beat = start_beat(tmp_path, interval=1)
        try:
            delivery = wait_until(finished(event))
        finally:
            stop(beat)
        # then
        assert delivery.status == "success"
        assert receiver.header_values("webhook-id") == [event.message_id]


def test_far_retries_wait_for_the_sweeper(company, endpoint_for, settings, monkeypatch):
    # given a failed first attempt whose retry is due later than the countdown limit (sent by this test)
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 120]
    enqueued: list = []
    monkeypatch.setattr(services, "deliveries_enqueue", lambda ids, countdown=0: enqueued.append(list(ids)))
    with StandIn(lambda request: Answer(503) if request.n == 1 else Answer(200)) as receiver:
        endpoint_for(receiver.url)
        with transaction.atomic():
            event = services.event_publish(company, "order.created", {})
        delivery = delivery_of(event)
        services.delivery_attempt(delivery_id=delivery.id)
        delivery.refresh_from_db()
        assert delivery.status == "retrying" and delivery.enqueued_at is None
        # when the retry comes due
        Delivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        # then the sweeper claims it for enqueueing exactly once
        assert services.deliveries_sweep() == 1
        assert services.deliveries_sweep() == 0
        assert enqueued == [[delivery.id], [delivery.id]]  # at publish, then by the sweeper
        services.delivery_attempt(delivery_id=delivery.id)
        delivery.refresh_from_db()
        assert delivery.status == "success"
