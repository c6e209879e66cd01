"""An urgent message overtakes a backlog of normal ones: its own Celery queue, consumed by the same worker."""

import subprocess
import time

import pytest
from django.conf import settings

from messaging import services
from messaging.models import Message, SandboxMessage
from tests.conftest import start_worker


def _wait_for(predicate, seconds: float = 90.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


@pytest.mark.django_db(transaction=True)
def test_an_urgent_message_is_sent_before_a_queue_of_normal_ones(company, make_integration):
    # given: 40 normal SMS queued before any worker runs, then one urgent
    make_integration(company, "sandbox", {}, name="Sandbox")
    for n in range(40):
        data = services.MessageInput(channel="sms", to=[f"+1415555{n:04d}"], body_text=f"normal {n}")
        services.message_create(company_id=company.id, data=data)
    urgent = services.message_create(
        company_id=company.id,
        data=services.MessageInput(channel="sms", to=["+14155559999"], body_text="URGENT", priority="urgent"),
    ).message
    # when: the worker starts on both queues (as `make run`'s worker does: it consumes every queue)
    worker = start_worker(
        queues=f"messaging,{settings.MESSAGING_URGENT_QUEUE}", concurrency=1, extra_env={"HUB_ALLOW_LOCAL_TARGETS": "1"}
    )
    try:
        _wait_for(lambda: Message.objects.filter(company=company, status="sent").count() == 41)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    # then: the urgent one went out among the first few, not 41st
    order = list(SandboxMessage.objects.filter(company=company).order_by("id").values_list("message_id", flat=True))
    assert len(order) == 41
    assert order.index(urgent.id) < 5, order.index(urgent.id)
