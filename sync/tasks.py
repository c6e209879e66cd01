"""Celery tasks of syncs (queue "sync"): thin, ids in, one service call each."""

from celery import shared_task
from django.conf import settings

from sync import services


@shared_task(acks_late=True)
def sync_run(run_id: str) -> str | None:
    """Carry out one queued run; a redelivered message finds it claimed and returns quietly."""
    run = services.sync_execute(run_id=run_id)
    return run.status if run else None


@shared_task(acks_late=True)
def sync_schedules_run() -> int:
    """Beat: start the syncs whose schedule is due."""
    return services.sync_schedules_run()


@shared_task(acks_late=True)
def sync_fail_stale() -> int:
    """Beat: fail runs that stopped making progress, so their integration can sync again."""
    return services.sync_fail_stale(older_than_seconds=settings.SYNC_STALE_AFTER_SECONDS)
