"""Thin Celery tasks of files (queue "files"): move files that landed on a fallback back to the primary."""

from celery import shared_task
from django.db import transaction

from files import selectors, services


@shared_task(name="files.tasks.file_migrate_to_primary", acks_late=True)
def file_migrate_to_primary(file_id: str) -> bool:
    """Move one file to its route's primary; a primary still down leaves it for the next sweep."""
    try:
        return services.file_migrate_to_primary(file_id=file_id)
    except Exception:
        return False


@shared_task(name="files.tasks.files_migrate_sweep")
def files_migrate_sweep(limit: int = 100) -> int:
    """Enqueue a move for each file waiting on a fallback (beat, every five minutes)."""
    ids = [str(i) for i in selectors.files_waiting_for_primary(limit=limit).values_list("id", flat=True)]
    for file_id in ids:
        transaction.on_commit(lambda file_id=file_id: file_migrate_to_primary.delay(file_id))
    return len(ids)
