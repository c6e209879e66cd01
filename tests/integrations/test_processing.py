"""Processing stored events through the handler registry: processed, ignored, failed, reprocessed."""

import pytest

from integrations import services
from integrations.inbound import registry
from integrations.models import InboundEvent
from logs.models import IntegrationLog
from tests.integrations.conftest import fixture_bytes
from tests.support import signers as s
from tests.support.providers import woocommerce_config

WOO = woocommerce_config("https://shop.example.com", webhook_secret=s.WOO_SECRET)


@pytest.fixture
def handlers():
    """Register handlers for one test only (without the apps' own, e.g. orders')."""
    saved = list(registry._handlers)
    registry._handlers[:] = []
    yield registry.register_inbound_handler
    registry._handlers[:] = saved


@pytest.fixture
def stored_order(company, make_integration, post_inbound) -> InboundEvent:
    integration = make_integration(company, "woocommerce", WOO)
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    assert post_inbound(integration.id, body, s.woocommerce_headers(body)).status_code == 200
    return InboundEvent.objects.get()


def _outcome_logs(event: InboundEvent) -> list[tuple[str, str]]:
    logs = IntegrationLog.objects.filter(integration_id=event.integration_id, operation="webhook").order_by("id")
    return [(log.status, log.message) for log in logs][1:]  # the first is the receipt


def test_a_registered_handler_gets_the_parsed_event_and_it_is_marked_processed(stored_order, handlers):
    # given
    seen = []
    handlers("woocommerce", "order.*", seen.append)
    # when
    outcome = services.inbound_event_process(event_id=stored_order.id)
    # then
    assert outcome.status == "processed"
    message = seen[0]
    assert message.topic == "order.created"
    assert message.payload["id"] == 727
    assert message.company_id == stored_order.company_id
    stored_order.refresh_from_db()
    assert (stored_order.status, stored_order.attempts) == ("processed", 1)
    assert _outcome_logs(stored_order) == [("success", "Processed order.created (1 handler(s)).")]


def test_an_event_without_a_handler_is_marked_ignored(stored_order, handlers):
    outcome = services.inbound_event_process(event_id=stored_order.id)
    assert outcome.status == "ignored"
    stored_order.refresh_from_db()
    assert stored_order.status == "ignored"
    assert _outcome_logs(stored_order)[0][0] == "success"


def test_a_processed_event_is_not_processed_again(stored_order, handlers):
    seen = []
    handlers("woocommerce", "order.created", seen.append)
    services.inbound_event_process(event_id=stored_order.id)
    assert services.inbound_event_process(event_id=stored_order.id).status == "skipped"
    assert len(seen) == 1


def test_a_failing_handler_marks_the_event_failed_rolls_back_its_writes_and_logs_an_error(
    stored_order, handlers, company
):
    # given: a handler that writes, then fails
    def half_done(message):
        IntegrationLog.objects.create(
            company_id=company.id, integration_type="woocommerce", operation="import", status="success"
        )
        raise RuntimeError("the orders service is down")

    handlers("woocommerce", "order.created", half_done)
    # when
    outcome = services.inbound_event_process(event_id=stored_order.id)
    # then
    assert outcome.status == "failed"
    stored_order.refresh_from_db()
    assert stored_order.status == "failed"
    assert "the orders service is down" in stored_order.error
    assert not IntegrationLog.objects.filter(operation="import").exists()
    assert _outcome_logs(stored_order)[0][0] == "error"


def test_a_failed_event_is_retried_and_then_succeeds(stored_order, handlers):
    calls = []

    def flaky(message):
        calls.append(message)
        if len(calls) == 1:
            raise ConnectionError("timeout")

    handlers("woocommerce", "order.created", flaky)
    assert services.inbound_event_process(event_id=stored_order.id).status == "failed"
    assert services.inbound_event_process(event_id=stored_order.id).status == "processed"
    stored_order.refresh_from_db()
    assert stored_order.attempts == 2


def test_reprocess_puts_events_back_for_processing(stored_order, handlers, django_capture_on_commit_callbacks):
    # given: an event that was ignored before its handler existed
    services.inbound_event_process(event_id=stored_order.id)
    seen = []
    handlers("woocommerce", "order.created", seen.append)
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        count = services.inbound_event_reprocess(event_ids=[stored_order.id])
    services.inbound_event_process(event_id=stored_order.id)
    # then
    assert count == 1
    assert len(callbacks) == 1  # one processing task enqueued on commit
    assert len(seen) == 1
    stored_order.refresh_from_db()
    assert stored_order.status == "processed"


def test_a_verified_delivery_enqueues_its_processing_on_commit(
    company, make_integration, post_inbound, django_capture_on_commit_callbacks
):
    integration = make_integration(company, "woocommerce", WOO)
    body = fixture_bytes("woocommerce", "order_created_minimal.json")
    with django_capture_on_commit_callbacks() as callbacks:
        post_inbound(integration.id, body, s.woocommerce_headers(body, delivery_id="abc"))
        post_inbound(integration.id, body, s.woocommerce_headers(body, delivery_id="abc"))
    assert len(callbacks) == 1  # the duplicate enqueues nothing


def test_a_gone_event_is_skipped_quietly(db):
    assert services.inbound_event_process(event_id="00000000-0000-4000-8000-000000000000").status == "skipped"
