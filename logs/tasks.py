"""Periodic log tasks: retention (on the "logs" queue)."""

from celery import shared_task

from logs.models import RetentionRun
from logs.services import logs_retention_run


@shared_task(name="logs.tasks.logs_retention", ignore_result=True, queue="logs")
def logs_retention() -> None:
    """Remove logs past retention; a run stopped at its deadline enqueues the next one.

    No automatic retry: a failed run is recorded (RetentionRun.error) with everything it
    removed so far kept removed, and the next beat tick simply starts again.
    """
    run = logs_retention_run()
    if run.status == RetentionRun.Status.PARTIAL:
        logs_retention.apply_async(countdown=1)
