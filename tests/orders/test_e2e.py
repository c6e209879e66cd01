"""End to end: an order created over the API reaches a subscriber, signed, through a real worker."""

import pytest
from standardwebhooks import Webhook

from tests.orders.conftest import order_body
from tests.support.http import StandIn, answer_ok
from tests.support.processes import purge_queues, start_worker, stop
from tests.support.waiting import wait_until
from tests.webhooks.conftest import FAST_ENV, QUEUES
from webhooks import services as webhook_services
from webhooks.models import Delivery

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = True  # the subscriber is a loopback server
    purge_queues()
    proc = start_worker(queues=QUEUES, concurrency=1, extra_env=FAST_ENV)
    yield proc
    stop(proc)


def test_an_api_order_and_its_status_change_arrive_signed_at_the_subscriber(worker, api, order_headers, company):
    with StandIn(answer_ok) as receiver:
        # given
        endpoint, _ = webhook_services.endpoint_create(
            company_id=company.id, name="Partner", url=receiver.url, events=["order.created", "order.confirmed"]
        )

        # when
        order_id = api.post("/api/v1/orders", order_body(), format="json", **order_headers).json()["id"]
        api.put(f"/api/v1/orders/{order_id}/status", {"status": "confirmed"}, format="json", **order_headers)
        wait_until(lambda: Delivery.objects.filter(status="success").count() == 2)

        # then
        payloads = [Webhook(endpoint.secret).verify(r.body, r.headers) for r in receiver.requests]
        assert sorted(p["type"] for p in payloads) == ["order.confirmed", "order.created"]
        for payload in payloads:
            assert payload["data"]["orderId"] == order_id
            assert payload["data"]["total"] == "34.00"
        confirmed = next(p for p in payloads if p["type"] == "order.confirmed")
        assert confirmed["data"]["previousStatus"] == "pending"
