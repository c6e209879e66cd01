"""Retention: old logs archived (gzip JSON lines) and removed in small batches, runs visible to operators."""

import gzip
import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from logs.models import ApiRequestLog, IntegrationLog, RetentionRun
from logs.services import logs_retention_run
from tests.support.processes import start_worker, stop
from tests.support.waiting import wait_until


def _request_log(ago: timedelta, request_id: str) -> ApiRequestLog:
    return ApiRequestLog.objects.create(
        request_id=request_id,
        method="GET",
        path="/api/v1/logs",
        status_code=200,
        duration_ms=1.0,
        timestamp=timezone.now() - ago,
    )


@pytest.mark.django_db
def test_retention_removes_only_logs_older_than_the_retention_days(company, make_logs):
    # given
    old = make_logs(company, 5, ago=timedelta(days=91))
    recent = make_logs(company, 3, ago=timedelta(days=89))
    _request_log(timedelta(days=100), "old-request")
    _request_log(timedelta(days=1), "new-request")
    # when
    run = logs_retention_run(batch_size=2)
    # then
    assert run.status == RetentionRun.Status.SUCCEEDED
    assert run.retention_days == settings.LOG_RETENTION_DAYS == 90
    assert run.integration_logs_deleted == 5
    assert run.request_logs_deleted == 1
    assert run.batches == 4  # 2 + 2 + 1 integration logs, then 1 request log
    assert run.finished_at is not None
    assert abs((timezone.now() - timedelta(days=90) - run.cutoff).total_seconds()) < 60
    assert not IntegrationLog.objects.filter(id__in=[log.id for log in old]).exists()
    assert IntegrationLog.objects.filter(id__in=[log.id for log in recent]).count() == 3
    assert list(ApiRequestLog.objects.values_list("request_id", flat=True)) == ["new-request"]


@pytest.mark.django_db
def test_retention_archives_removed_rows_as_gzip_json_lines_first(company, make_logs, tmp_path):
    # given
    old = make_logs(company, 3, ago=timedelta(days=40), message="exported", metadata={"sku": "A-1"})
    make_logs(company, 1, ago=timedelta(days=1))
    # when
    run = logs_retention_run(days=30, archive_dir=str(tmp_path / "archive"))
    # then
    assert run.integration_logs_deleted == 3
    assert len(run.archive_files) == 1
    with gzip.open(run.archive_files[0], "rt") as fh:
        lines = [json.loads(line) for line in fh]
    assert sorted(line["id"] for line in lines) == sorted(log.id for log in old)
    assert lines[0]["message"] == "exported"
    assert lines[0]["metadata"] == {"sku": "A-1"}
    assert lines[0]["company_id"] == str(company.id)
    assert IntegrationLog.objects.count() == 1


@pytest.mark.django_db
def test_a_run_past_its_deadline_stops_as_partial(company, make_logs):
    make_logs(company, 3, ago=timedelta(days=100))
    run = logs_retention_run(max_seconds=-1)
    assert run.status == RetentionRun.Status.PARTIAL
    assert IntegrationLog.objects.count() == 3


@pytest.mark.django_db
def test_a_failing_run_is_recorded_with_its_error_and_removes_nothing(company, make_logs, tmp_path):
    make_logs(company, 2, ago=timedelta(days=100))
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    run = logs_retention_run(archive_dir=str(not_a_dir))
    assert run.status == RetentionRun.Status.FAILED
    assert "Error" in run.error
    assert IntegrationLog.objects.count() == 2


def test_the_retention_job_is_scheduled_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["logs-retention"]
    assert entry["task"] == "logs.tasks.logs_retention"
    assert "logs" in settings.CELERY_QUEUE_NAMES


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_retention_task_from_the_logs_queue(company, make_logs):
    # given
    make_logs(company, 4, ago=timedelta(days=120))
    make_logs(company, 2, ago=timedelta(days=2))
    worker = start_worker(queues="logs", concurrency=1)
    try:
        # when
        from logs.tasks import logs_retention

        logs_retention.delay()
        run = wait_until(lambda: RetentionRun.objects.exclude(status=RetentionRun.Status.RUNNING).first(), 30)
    finally:
        stop(worker)
    # then
    assert run is not None, "the worker did not run the retention task"
    assert run.status == RetentionRun.Status.SUCCEEDED
    assert run.integration_logs_deleted == 4
    assert IntegrationLog.objects.count() == 2


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_background_thread_writes_request_logs_without_a_manual_flush(api, company, make_key, settings):
    # given the production setting: a flush thread every second
    settings.LOG_REQUEST_FLUSH_SECONDS = 1
    headers = make_key(company, scopes=["logs:read"])
    # when
    api.get("/api/v1/logs", HTTP_X_REQUEST_ID="threaded-1", **headers)
    wait_until(lambda: ApiRequestLog.objects.filter(request_id="threaded-1").exists(), 10)
    # then
    assert ApiRequestLog.objects.filter(request_id="threaded-1", company_id=company.id).exists()


@pytest.mark.django_db(transaction=True)
def test_inserts_do_not_wait_for_an_open_retention_batch(company, make_logs):
    # given a retention batch holding its row locks in another connection (open transaction)
    import threading

    from django.db import connection, transaction

    from logs.services import log_record

    make_logs(company, 5, ago=timedelta(days=100))
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def batch_in_progress() -> None:
        try:
            with transaction.atomic():
                ids = list(
                    IntegrationLog.objects.filter(timestamp__lt=timezone.now() - timedelta(days=90))
                    .select_for_update(skip_locked=True)
                    .values_list("id", flat=True)
                )
                IntegrationLog.objects.filter(id__in=ids).delete()
                locked.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=batch_in_progress)
    thread.start()
    assert locked.wait(10)
    try:
        # when a new log is recorded, allowed to wait at most 200 ms for any lock
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        started = time.monotonic()
        log_record(company_id=company.id, integration_type="shopify", operation="sync", status="success")
        waited = time.monotonic() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
        release.set()
        thread.join(10)
    # then it went through without waiting on the batch
    assert waited < 0.2
    assert IntegrationLog.objects.filter(integration_type="shopify").count() == 1
    assert IntegrationLog.objects.count() == 1  # the batch committed its deletes
