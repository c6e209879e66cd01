"""Thin Celery tasks of messaging (queues "messaging" and "messaging_urgent"): ids in, one service call."""

from celery import shared_task
from django.conf import settings

from core.retry import task_retry
from messaging import services


@shared_task(name="messaging.tasks.message_send", bind=True, acks_late=True, max_retries=None)
def message_send(self, message_id: str) -> str:
    """Send one message through its provider chain; a retryable failure or a full window comes back later."""
    outcome = services.message_deliver(message_id=message_id)
    if outcome.retry_in is not None:
        # The row is queued with next_attempt_at: should this retry message be lost, the sweep resends.
        task_retry(self, countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="messaging.tasks.messages_send_batch", bind=True, acks_late=True, max_retries=None)
def messages_send_batch(self, message_ids: list[str]) -> int:
    """Send a slice of a bulk job; what finds the channel's window full comes back when there is room."""
    outcome = services.messages_deliver_batch(message_ids=message_ids)
    if outcome.waiting:
        self.apply_async(
            ([str(i) for i in outcome.waiting],),
            countdown=outcome.retry_in or 1,
            queue=self.request.delivery_info.get("routing_key") if self.request.delivery_info else None,
        )
    return outcome.sent


@shared_task(name="messaging.tasks.messages_requeue")
def messages_requeue() -> int:
    return services.messages_requeue(grace_seconds=settings.MESSAGING_SWEEP_GRACE_SECONDS)
