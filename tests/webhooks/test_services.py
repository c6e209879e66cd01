"""Delivery services without a worker: claims, auto-disable after days of failure, rate limits."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from logs.models import IntegrationLog
from tests.support.http import Answer, StandIn, answer_ok
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_broker(monkeypatch):
    sent: list = []
    monkeypatch.setattr(services, "deliveries_enqueue", lambda ids, countdown=0: sent.append((list(ids), countdown)))
    return sent


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(company, endpoint_for, no_broker):
    with StandIn(answer_ok) as receiver:
        endpoint_for(receiver.url)
        event = services.event_publish(company, "order.created", {})
        delivery = Delivery.objects.get(event=event)
        # given another worker holds a live claim
        Delivery.objects.filter(id=delivery.id).update(claimed_until=timezone.now() + timedelta(seconds=30))
        # when
        assert services.delivery_attempt(delivery_id=delivery.id) is None
        # then nothing was sent; once the claim lapses, it is
        assert receiver.requests == []
        Delivery.objects.filter(id=delivery.id).update(claimed_until=timezone.now() - timedelta(seconds=1))
        assert services.delivery_attempt(delivery_id=delivery.id).success
        assert services.delivery_attempt(delivery_id=delivery.id) is None  # finished: never sent twice
        assert len(receiver.requests) == 1


def test_an_endpoint_failing_for_five_days_is_disabled_and_logged(company, endpoint_for, no_broker):
    with StandIn(lambda request: Answer(500)) as receiver:
        # given an endpoint failing since just under five days ago
        endpoint = endpoint_for(receiver.url)
        Endpoint.objects.filter(id=endpoint.id).update(failing_since=timezone.now() - timedelta(days=4, hours=23))
        first = Delivery.objects.get(event=services.event_publish(company, "order.created", {}))
        services.delivery_attempt(delivery_id=first.id)
        endpoint.refresh_from_db()
        assert endpoint.status == "active"
        # when it still fails after five days
        Endpoint.objects.filter(id=endpoint.id).update(failing_since=timezone.now() - timedelta(days=5, minutes=1))
        second = Delivery.objects.get(event=services.event_publish(company, "order.updated", {}))
        services.delivery_attempt(delivery_id=second.id)
    # then
    endpoint.refresh_from_db()
    assert endpoint.status == Endpoint.Status.FAILED
    assert "120 hours" in endpoint.disabled_reason
    log = IntegrationLog.objects.get(company=company, operation="webhook")
    assert log.status == "error" and "disabled" in log.message
    # the retry still scheduled for the first delivery is not sent to the disabled endpoint
    Delivery.objects.filter(id=first.id).update(next_attempt_at=timezone.now())
    assert services.delivery_attempt(delivery_id=first.id) is None
    first.refresh_from_db()
    assert first.status == "failed" and "disabled" in first.last_error


def test_a_success_resets_the_failure_streak(company, endpoint_for, no_broker):
    with StandIn(answer_ok) as receiver:
        endpoint = endpoint_for(receiver.url)
        Endpoint.objects.filter(id=endpoint.id).update(failure_count=9, failing_since=timezone.now())
        delivery = Delivery.objects.get(event=services.event_publish(company, "order.created", {}))
        services.delivery_attempt(delivery_id=delivery.id)
    endpoint.refresh_from_db()
    assert (endpoint.failure_count, endpoint.failing_since) == (0, None)
    assert endpoint.last_success_at is not None


def test_the_per_second_rate_limit_defers_deliveries_without_spending_attempts(company, endpoint_for, no_broker):
    with StandIn(answer_ok) as receiver:
        endpoint_for(receiver.url, rate_limit=1)
        a = Delivery.objects.get(event=services.event_publish(company, "order.created", {}))
        b = Delivery.objects.get(event=services.event_publish(company, "order.updated", {}))
        assert services.delivery_attempt(delivery_id=a.id).success
        deferred = services.delivery_attempt(delivery_id=b.id)
    b.refresh_from_db()
    if deferred is None:  # both fell in the same second: the second waits
        assert (b.status, b.attempt_count) == ("pending", 0)
        assert (([b.id], 1)) in no_broker
    assert len(receiver.requests) == (1 if deferred is None else 2)


def test_custom_headers_are_sent_but_cannot_replace_signature_headers(company, endpoint_for, no_broker):
    with StandIn(answer_ok) as receiver:
        endpoint_for(receiver.url, headers={"X-Partner-Token": "abc"})
        delivery = Delivery.objects.get(event=services.event_publish(company, "order.created", {}))
        services.delivery_attempt(delivery_id=delivery.id)
    assert receiver.requests[0].headers["x-partner-token"] == "abc"
    with pytest.raises(ValueError, match="webhook-id"):
        services.headers_check({"webhook-id": "x"})


def test_the_demo_seed_creates_one_paused_endpoint_idempotently(company):
    from webhooks import demo

    demo.seed(company)
    demo.seed(company)
    endpoint = Endpoint.objects.get(company=company)
    assert endpoint.status == "inactive" and endpoint.secret.startswith("whsec_")
    assert services.event_publish(company, "order.created", {}).deliveries.count() == 0


def test_an_events_deliveries_travel_in_one_message_and_are_sent_together(
    company, endpoint_for, no_broker, django_capture_on_commit_callbacks
):
    # given three endpoints, one of them slow
    with StandIn(answer_ok) as fast, StandIn(lambda request: Answer(200, delay=0.8)) as slow:
        for url in (fast.url + "/a", fast.url + "/b", slow.url):
            endpoint_for(url)
        with django_capture_on_commit_callbacks(execute=True):
            event = services.event_publish(company, "order.created", {})
        ids = list(Delivery.objects.filter(event=event).values_list("id", flat=True))
        # when
        started = time.monotonic()
        attempts = services.deliveries_attempt(delivery_ids=ids)
        elapsed = time.monotonic() - started
    # then one message carried all three, and they were sent concurrently
    assert [sorted(map(str, sent)) for sent, _ in no_broker] == [sorted(map(str, ids))]
    assert sorted(a.status_code for a in attempts) == [200, 200, 200]
    assert elapsed < 1.5
    assert Delivery.objects.filter(event=event, status="success").count() == 3
