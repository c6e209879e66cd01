"""Inbound events processed by real Celery workers on the test database and Redis."""

import json
import subprocess

import pytest

from integrations import services
from integrations.models import InboundEvent
from logs.models import IntegrationLog
from tests.support import signers as s
from tests.support.processes import start_worker, stop
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

GENERIC = {"baseUrl": "https://partner.example.com", "webhookSecret": s.STANDARD_SECRET}


def test_a_worker_marks_an_event_without_handler_ignored_and_logs_it(transactional_db, company, post_inbound):
    # given
    integration = services.integration_create(company_id=company.id, name="Partner", provider="generic", config=GENERIC)
    body = json.dumps({"type": "order.completed", "data": {"orderId": "12345"}}).encode()
    worker = start_worker(queues="inbound")
    try:
        # when
        response = post_inbound(integration.id, body, s.standard_headers(body))
        assert response.status_code == 200
        # then
        event = InboundEvent.objects.get()
        assert wait_until(lambda: InboundEvent.objects.get(id=event.id).status != "received", 40)
        assert InboundEvent.objects.get(id=event.id).status == "ignored"
        messages = list(
            IntegrationLog.objects.filter(integration_id=integration.id, operation="webhook")
            .order_by("id")
            .values_list("message", flat=True)
        )
        assert messages == ["Received order.completed.", "No handler for order.completed; ignored."]
    finally:
        stop(worker)


def _worker_with_handlers() -> subprocess.Popen:
    """A worker that also imports this folder's test handlers."""
    return start_worker(queues="inbound", concurrency=1, extra_args=["--include", "tests.integrations.worker_handlers"])


def test_a_failing_handler_is_retried_by_the_worker_until_it_succeeds(transactional_db, company, post_inbound):
    # given: a handler (registered in the worker) that fails on its first attempt
    integration = services.integration_create(company_id=company.id, name="Partner", provider="generic", config=GENERIC)
    body = json.dumps({"type": "order.flaky", "data": {"orderId": "77"}}).encode()
    worker = _worker_with_handlers()
    try:
        # when
        assert post_inbound(integration.id, body, s.standard_headers(body)).status_code == 200
        # then
        event = InboundEvent.objects.get()
        assert wait_until(lambda: InboundEvent.objects.get(id=event.id).status == "processed", 40)
        event.refresh_from_db()
        assert event.attempts == 2
        statuses = list(
            IntegrationLog.objects.filter(integration_id=integration.id, operation="webhook")
            .order_by("id")
            .values_list("status", flat=True)
        )
        assert statuses == ["success", "error", "success"]  # received, attempt 1 failed, attempt 2 processed
    finally:
        stop(worker)
