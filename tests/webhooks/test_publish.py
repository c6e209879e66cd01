"""Publishing events: the transactional outbox, matching endpoints and idempotency."""

import pytest
from django.db import transaction

from webhooks import services
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db


def make_endpoint(company, events, status=Endpoint.Status.ACTIVE, url="https://example.test/hook") -> Endpoint:
    return Endpoint.objects.create(
        company=company, name="hook", url=url, events=events, secret="whsec_x", status=status
    )


def test_publish_creates_one_delivery_per_matching_active_endpoint(company, other_company):
    # given
    exact = make_endpoint(company, ["order.created"])
    wildcard = make_endpoint(company, ["order.*"])
    make_endpoint(company, ["payment.*"])
    make_endpoint(company, ["order.created"], status=Endpoint.Status.INACTIVE)
    make_endpoint(other_company, ["*"])
    # when
    event = services.event_publish(company, "order.created", {"orderId": "o-1"})
    # then
    endpoint_ids = set(Delivery.objects.filter(event=event).values_list("endpoint_id", flat=True))
    assert endpoint_ids == {exact.id, wildcard.id}
    assert event.data == {"orderId": "o-1"}


def test_publish_accepts_a_company_id(company):
    make_endpoint(company, ["*"])
    event = services.event_publish(company.id, "payment.succeeded", {"paymentId": "p"})
    assert event.company_id == company.id
    assert Delivery.objects.filter(event=event).count() == 1


def test_publishing_the_same_idempotency_key_twice_returns_the_first_event(company):
    # given
    make_endpoint(company, ["order.*"])
    first = services.event_publish(company, "order.created", {"n": 1}, idempotency_key="order-1-created")
    # when
    second = services.event_publish(company, "order.created", {"n": 2}, idempotency_key="order-1-created")
    # then
    assert second.id == first.id
    assert Event.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_an_unknown_event_type_is_refused(company):
    with pytest.raises(ValueError, match="order.created"):
        services.event_publish(company, "order.exploded", {})


def test_a_rolled_back_transaction_leaves_no_event_and_enqueues_nothing(company, django_capture_on_commit_callbacks):
    # given
    make_endpoint(company, ["order.*"])
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                services.event_publish(company, "order.created", {})
                raise RuntimeError("the caller's change failed")
        except RuntimeError:
            pass
    # then
    assert Event.objects.count() == 0
    assert callbacks == []
