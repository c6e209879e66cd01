"""Writes of logs: recording integration logs (secrets redacted) and the retention job.

Every app records its operations through these functions (never the model directly).
`log_record_many` writes a batch with one INSERT, for hot paths that produce several logs.
"""

import gzip
import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from logs.models import INTEGRATION_TYPES, ApiRequestLog, IntegrationLog, RetentionRun
from logs.redaction import redact

logger = logging.getLogger(__name__)


@dataclass
class LogEntry:
    """One log to record; the fields of source API 000 plus company and integration."""

    company_id: UUID
    integration_type: str
    operation: str
    status: str
    message: str = ""
    product_id: int | None = None
    integration_id: UUID | None = None
    error_details: dict[str, Any] | None = None
    external_product_id: str = ""
    external_sku: str = ""
    metadata: dict[str, Any] | None = None
    user_id: int | None = None
    timestamp: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_model(self) -> IntegrationLog:
        if self.integration_type not in INTEGRATION_TYPES:
            raise ValueError(f"Unknown integration type {self.integration_type!r}")
        if self.operation not in IntegrationLog.Operation.values:
            raise ValueError(f"Unknown operation {self.operation!r}")
        if self.status not in IntegrationLog.Status.values:
            raise ValueError(f"Unknown status {self.status!r}")
        return IntegrationLog(
            company_id=self.company_id,
            integration_id=self.integration_id,
            product_id=self.product_id,
            integration_type=self.integration_type,
            operation=self.operation,
            status=self.status,
            message=self.message[:10_000],
            error_details=redact(self.error_details) if self.error_details is not None else None,
            external_product_id=str(self.external_product_id or "")[:255],
            external_sku=str(self.external_sku or "")[:255],
            metadata=redact(self.metadata) if self.metadata is not None else None,
            user_id=self.user_id,
            timestamp=self.timestamp or timezone.now(),
        )


def log_record(**fields: Any) -> IntegrationLog:
    """Record one integration log (keyword arguments are LogEntry's fields)."""
    log = LogEntry(**fields).to_model()
    log.save(force_insert=True)
    return log


def log_record_many(entries: list[LogEntry]) -> list[IntegrationLog]:
    """Record several logs with one INSERT."""
    return IntegrationLog.objects.bulk_create([entry.to_model() for entry in entries])


# --- retention ------------------------------------------------------------------------------
#
# Batches, not partitions, chosen by measurement (bench/logs_at_scale.py, docs/logs.md): a
# DELETE takes row locks only on the old rows it removes, while inserts write new rows, so a
# concurrent writer never waited on a lock (0 lock-wait samples in every run); what it did
# wait on was the shared WAL fsync. At 10M rows, removing one day (111k rows) in 5,000-row
# batches pushed the writer's insert p99 to 48-59 ms; 500-row batches with a 10 ms pause
# kept p99 at 4.6-6 ms (max 5.8-37 ms) and took ~4 s. Each run removes ~1/4 day (beat every
# 6 h), and the same code runs on SQLite in the embedded mode. Time partitions would make
# dropping a day instant, but PostgreSQL requires the partition key in every unique index:
# the bigint primary key other apps hold would become (id, timestamp), and SQLite has none.


def logs_retention_run(
    *,
    now: datetime | None = None,
    days: int | None = None,
    batch_size: int | None = None,
    pause_ms: int | None = None,
    max_seconds: float | None = None,
    archive_dir: str | None = None,
) -> RetentionRun:
    """Remove integration and request logs older than the retention period, in small batches.

    With an archive directory the rows are first appended to gzip JSON-lines files there (one
    per table and run); a batch is deleted only after its archive lines are flushed, so the
    archive holds at least every removed row. The run stops at its deadline with status
    "partial" (the task then enqueues a follow-up). Progress is saved after every batch.
    """
    days = settings.LOG_RETENTION_DAYS if days is None else days
    batch_size = batch_size or settings.LOG_RETENTION_BATCH_SIZE
    pause = (settings.LOG_RETENTION_BATCH_PAUSE_MS if pause_ms is None else pause_ms) / 1000
    max_seconds = settings.LOG_RETENTION_MAX_SECONDS if max_seconds is None else max_seconds
    archive_dir = settings.LOG_ARCHIVE_DIR if archive_dir is None else archive_dir
    started = timezone.now()
    cutoff = (now or started) - timedelta(days=days)
    run = RetentionRun.objects.create(retention_days=days, cutoff=cutoff, started_at=started)
    deadline = time.monotonic() + max_seconds
    try:
        for model, counter in ((IntegrationLog, "integration_logs_deleted"), (ApiRequestLog, "request_logs_deleted")):
            finished = _retention_table(
                run=run,
                model=model,
                counter=counter,
                cutoff=cutoff,
                batch_size=batch_size,
                pause=pause,
                deadline=deadline,
                archive_dir=archive_dir,
            )
            if not finished:
                run.status = RetentionRun.Status.PARTIAL
                break
        else:
            run.status = RetentionRun.Status.SUCCEEDED
    except Exception as exc:
        run.status = RetentionRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        logger.exception("Log retention run %s failed", run.id)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "updated_at"])
    return run


def _retention_table(
    *,
    run: RetentionRun,
    model: type[IntegrationLog] | type[ApiRequestLog],
    counter: str,
    cutoff: datetime,
    batch_size: int,
    pause: float,
    deadline: float,
    archive_dir: str,
) -> bool:
    """Remove one table's old rows batch by batch; return False if the deadline stopped it."""
    archive: gzip.GzipFile | None = None
    try:
        while True:
            if time.monotonic() > deadline:
                return False
            with transaction.atomic():
                # SKIP LOCKED: two runs at once (beat and an operator) take disjoint batches.
                batch = (
                    model.objects.filter(timestamp__lt=cutoff)
                    .order_by("timestamp", "id")
                    .select_for_update(skip_locked=True)
                    .values_list("id", flat=True)[:batch_size]
                )
                ids = list(batch)
                if not ids:
                    return True
                if archive_dir:
                    if archive is None:
                        archive, name = _archive_open(archive_dir, model, run)
                        run.archive_files = [*run.archive_files, name]
                    _archive_write(archive, model.objects.filter(id__in=ids).order_by("id").values())
                deleted, _ = model.objects.filter(id__in=ids).delete()
            setattr(run, counter, getattr(run, counter) + deleted)
            run.batches += 1
            run.save(update_fields=[counter, "batches", "archive_files", "updated_at"])
            if len(ids) == batch_size and pause:
                time.sleep(pause)  # let concurrent commits' WAL flushes through between batches
    finally:
        if archive is not None:
            archive.close()


def _archive_open(archive_dir: str, model: type, run: RetentionRun) -> tuple[gzip.GzipFile, str]:
    directory = Path(archive_dir)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{model._meta.db_table}-{run.started_at:%Y%m%dT%H%M%SZ}-run{run.id}.jsonl.gz"
    return gzip.open(directory / name, "ab"), str(directory / name)


def _archive_write(archive: gzip.GzipFile, rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        archive.write(json.dumps(row, cls=DjangoJSONEncoder, separators=(",", ":")).encode() + b"\n")
    archive.flush()  # the lines reach the file before the batch's DELETE commits
    os.fsync(archive.fileobj.fileno())  # type: ignore[union-attr]
