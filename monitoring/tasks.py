"""Monitoring's tasks: the worker heartbeat the health check reads."""

from celery import shared_task
from celery.signals import worker_ready

from monitoring.health import worker_heartbeat_record


@shared_task(name="monitoring.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Record that a worker is consuming tasks (the health check reads it)."""
    worker_heartbeat_record()


@worker_ready.connect
def _on_worker_ready(**_kwargs) -> None:
    worker_heartbeat_record()
