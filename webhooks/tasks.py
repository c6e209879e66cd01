"""Celery tasks of the webhooks app: ids in, one service call."""

from celery import shared_task

DELIVERY_QUEUE = "webhooks"
SWEEP_QUEUE = "webhooks_sweep"


@shared_task(name="webhooks.deliveries_attempt", queue=DELIVERY_QUEUE, acks_late=True, ignore_result=True)
def deliveries_attempt_task(delivery_ids: list[str]) -> None:
    """Attempt the deliveries that are due and unclaimed (the service claims them atomically)."""
    from webhooks.services import deliveries_attempt

    deliveries_attempt(delivery_ids=delivery_ids)


@shared_task(name="webhooks.delivery_attempt", queue=DELIVERY_QUEUE, acks_late=True, ignore_result=True)
def delivery_attempt_task(delivery_id: str) -> None:
    """Attempt one delivery (messages enqueued before batching existed)."""
    from webhooks.services import deliveries_attempt

    deliveries_attempt(delivery_ids=[delivery_id])


@shared_task(name="webhooks.deliveries_sweep", queue=SWEEP_QUEUE, acks_late=True, ignore_result=True)
def deliveries_sweep_task() -> None:
    """Beat: re-enqueue due, lost or stuck deliveries."""
    from webhooks.services import deliveries_sweep

    deliveries_sweep()
