"""Celery tasks of the integrations app: thin, ids in, one service call each."""

from celery import shared_task
from django.conf import settings

from integrations import selectors, services


@shared_task(bind=True, acks_late=True, max_retries=None)
def inbound_event_process(self, event_id: str) -> str:
    """Process one stored inbound event; a failing handler is retried with backoff up to INBOUND_MAX_ATTEMPTS."""
    outcome = services.inbound_event_process(event_id=event_id)
    if outcome.status == "failed" and outcome.retryable and outcome.attempts < settings.INBOUND_MAX_ATTEMPTS:
        raise self.retry(countdown=min(2**outcome.attempts, 300))
    return outcome.status


@shared_task(acks_late=True)
def integration_health_check(integration_id: str, record_always: bool = False) -> str | None:
    result = services.integration_health_check(integration_id=integration_id, record_always=record_always)
    return result.status if result else None


@shared_task(acks_late=True)
def integrations_health_check_all() -> int:
    """Beat: fan out one check task per active integration (each has its own timeout)."""
    ids = list(selectors.integrations_due_for_check().values_list("id", flat=True))
    for integration_id in ids:
        integration_health_check.delay(str(integration_id))
    return len(ids)


@shared_task(acks_late=True)
def inbound_events_requeue() -> int:
    """Beat: enqueue again events whose processing message was lost."""
    return services.inbound_events_requeue(older_than_seconds=settings.INBOUND_REQUEUE_AFTER_SECONDS)
