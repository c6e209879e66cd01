"""End to end: a worker SIGKILLed mid-delivery; a new worker and the sweeper still deliver, at least once.

A module of its own: no other worker may consume the webhook queues while this one is killed
(test_delivery_e2e.py keeps a module-scoped worker alive for its whole module).
"""

import os
import signal
import subprocess

import pytest
from django.db import transaction
from django.utils import timezone

from tests.support.http import Answer, StandIn
from tests.support.processes import purge_queues, start_worker, stop
from tests.support.waiting import wait_until
from tests.webhooks.conftest import FAST_ENV, QUEUES
from webhooks import services
from webhooks.models import Delivery
from webhooks.tasks import deliveries_sweep_task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_a_worker_killed_mid_delivery_still_delivers(company, endpoint_for, django_db_blocker):
    # given a receiver that holds the first request long enough for us to kill the worker
    with StandIn(lambda request: Answer(200, delay=5) if request.n == 1 else Answer(200)) as receiver:
        endpoint_for(receiver.url)
        purge_queues()
        doomed = start_worker(queues=QUEUES, concurrency=1, extra_env={**FAST_ENV, "WEBHOOK_READ_TIMEOUT": "10"})
        try:
            with transaction.atomic():
                event = services.event_publish(company, "order.created", {"orderId": "o-1"})
            wait_until(lambda: receiver.requests, timeout=20)
            # when the worker and its pool process are SIGKILLed mid-request
            for pid in [*_children(doomed.pid), doomed.pid]:
                os.kill(pid, signal.SIGKILL)
            doomed.wait(timeout=10)
        finally:
            if doomed.poll() is None:
                doomed.kill()
        assert Delivery.objects.get(event=event).status == "pending"  # claimed, never finished
        # then a new worker and the sweeper deliver it once the 3 s claim lease runs out
        survivor = start_worker(queues=QUEUES, concurrency=1, extra_env=FAST_ENV)
        try:
            wait_until(lambda: Delivery.objects.filter(event=event, claimed_until__lt=timezone.now()).exists(), 10)
            deliveries_sweep_task.delay()
            delivery = wait_until(lambda: Delivery.objects.filter(event=event, status="success").first(), timeout=20)
        finally:
            stop(survivor)
        assert delivery.attempt_count == 2
        # at least once: the receiver saw the same webhook-id twice and dedupes by it
        assert receiver.header_values("webhook-id") == [event.message_id, event.message_id]
