"""Celery tasks of the webhooks app: ids in, one service call."""

from celery import shared_task

DELIVERY_QUEUE = "webhooks"
SWEEP_QUEUE = "webhooks_sweep"


@shared_task(name="webhooks.delivery_attempt", queue=DELIVERY_QUEUE, acks_late=True, ignore_result=True)
def delivery_attempt_task(delivery_id: str) -> None:
    """Attempt one delivery if it is due and unclaimed (the service claims it atomically)."""
    from webhooks.services import delivery_attempt

    delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.deliveries_sweep", queue=SWEEP_QUEUE, acks_late=True, ignore_result=True)
def deliveries_sweep_task() -> None:
    """Beat: re-enqueue due, lost or stuck deliveries."""
    from webhooks.services import deliveries_sweep

    deliveries_sweep()
