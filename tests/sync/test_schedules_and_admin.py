"""Scheduled syncs, stale runs, sync events, and the back office screens."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sync import services
from sync.models import SyncRun, SyncSchedule
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def test_a_due_schedule_starts_one_sync_and_moves_its_next_run(company, woo_integration):
    # given
    schedule = SyncSchedule.objects.create(
        company=company, integration=woo_integration, interval_minutes=30, sync_type="products", direction="pull"
    )

    # when two beat ticks come at once
    started = services.sync_schedules_run()
    again = services.sync_schedules_run()

    # then
    assert (started, again) == (1, 0)
    run = SyncRun.objects.get(integration=woo_integration)
    assert run.triggered_by == "schedule" and run.sync_type == "products" and run.triggered_by_id == str(schedule.pk)
    schedule.refresh_from_db()
    assert schedule.last_run == run
    assert timedelta(minutes=29) < schedule.next_run_at - timezone.now() <= timedelta(minutes=30)


def test_a_schedule_due_while_its_integration_syncs_waits_for_the_next_interval(company, woo_integration):
    # given
    services.sync_start(integration=woo_integration, sync_type="full", direction="pull", triggered_by="user")
    SyncSchedule.objects.create(company=company, integration=woo_integration, interval_minutes=15)

    # when
    started = services.sync_schedules_run()

    # then
    assert started == 0 and SyncRun.objects.count() == 1


def test_the_status_shows_the_schedules_interval(api, make_key, company, woo_integration):
    SyncSchedule.objects.create(
        company=company, integration=woo_integration, interval_minutes=45, conflict_strategy="provider_wins"
    )
    headers = make_key(company, scopes=["integrations:read"])

    config = api.get(f"/api/v1/integrations/{woo_integration.id}/sync", **headers).json()["config"]

    assert config["syncIntervalMinutes"] == 45 and config["conflictResolution"] == "provider_wins"


def test_a_run_stuck_without_progress_is_failed_and_the_integration_can_sync_again(woo_integration):
    # given
    stuck = services.sync_start(integration=woo_integration, sync_type="full", direction="pull", triggered_by="user")
    SyncRun.objects.filter(pk=stuck.pk).update(status="running", updated_at=timezone.now() - timedelta(hours=2))

    # when
    failed = services.sync_fail_stale(older_than_seconds=1800)

    # then
    stuck.refresh_from_db()
    assert failed == 1 and stuck.status == "failed" and "no progress" in stuck.error
    assert Event.objects.filter(type="sync.failed", data__syncId=str(stuck.id)).exists()
    assert services.sync_start(integration=woo_integration, sync_type="full", direction="pull", triggered_by="user")


def test_a_redelivered_task_does_not_run_a_sync_twice(woo, woo_integration, run_sync):
    # given
    run = run_sync(woo_integration, "products", "pull")

    # when the broker delivers the message again
    again = services.sync_execute(run_id=run.id)

    # then
    assert again is None
    assert Event.objects.filter(type="sync.started", data__syncId=str(run.id)).count() == 1


def test_a_failed_run_publishes_sync_failed_with_its_error(woo, woo_integration, run_sync):
    # given
    woo.failures[("GET", "products", 1)] = 500

    # when
    run = run_sync(woo_integration, "products", "pull")

    # then
    event = Event.objects.get(type="sync.failed")
    assert event.data["syncId"] == str(run.id) and "HTTP 500" in event.data["error"]


def test_the_run_pages_show_runs_with_their_links_and_no_credentials(staff_client, woo, woo_integration, run_sync):
    # given
    woo.add_product(name="Wrap", sku="W-1", price="5.00")
    run = run_sync(woo_integration, "products", "pull")

    # when
    listing = staff_client.get("/admin/sync/syncrun/?status__exact=completed")
    page = staff_client.get(f"/admin/sync/syncrun/{run.pk}/change/")

    # then
    assert listing.status_code == 200 and str(woo_integration) in listing.content.decode()
    body = page.content.decode()
    assert page.status_code == 200
    assert "Records this run last wrote or confirmed" in body and "1001" in body  # the link's external id, inline
    assert "cs_test_" not in body and "ck_test_" not in body
    assert staff_client.get("/admin/sync/synclink/").status_code == 200
    assert staff_client.get("/admin/sync/syncschedule/add/").status_code == 200


def test_run_again_queues_a_copy_of_the_run(staff_client, woo, woo_integration, run_sync):
    # given
    run = run_sync(woo_integration, "customers", "pull", batch_size=7)

    # when
    response = staff_client.post(
        "/admin/sync/syncrun/", {"action": "run_again", "_selected_action": [str(run.pk)]}, follow=True
    )

    # then
    assert response.status_code == 200 and "1 sync(s) queued" in response.content.decode()
    copy = SyncRun.objects.exclude(pk=run.pk).get()
    assert (copy.sync_type, copy.direction, copy.batch_size, copy.status) == ("customers", "pull", 7, "queued")
    assert copy.triggered_by == "user"

    # and a second "run again" while it is queued is refused with a message
    response = staff_client.post(
        "/admin/sync/syncrun/", {"action": "run_again", "_selected_action": [str(run.pk)]}, follow=True
    )
    assert "already in progress" in response.content.decode()
    assert SyncRun.objects.count() == 2
