"""End to end: a sync started over the API runs in a real Celery worker against the WooCommerce stand-in."""

import pytest

from orders.models import Customer, Product
from sync.models import SyncRun
from tests.support.processes import purge_queues, start_worker, stop
from tests.support.waiting import wait_until
from webhooks.models import Event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    purge_queues("sync")  # messages left by an earlier test
    proc = start_worker(queues="default,sync", concurrency=1, extra_env={"HUB_ALLOW_LOCAL_TARGETS": "1"})
    yield proc
    stop(proc)


def test_a_sync_started_over_the_api_completes_in_the_worker(worker, api, make_key, company, woo, woo_integration):
    # given
    woo.add_product(name="Chicken Shawarma Wrap", sku="SHW-CHK", price="22.00")
    woo.add_customer(first="Layla", last="Haddad", email="layla@example.com", phone="050 123 4567")
    woo.add_order()
    headers = make_key(company, scopes=["integrations:read", "integrations:manage"])

    # when
    started = api.post(
        f"/api/v1/integrations/{woo_integration.id}/sync", {"syncType": "full"}, format="json", **headers
    ).json()
    wait_until(lambda: SyncRun.objects.filter(pk=started["id"], status__in=["completed", "failed"]).exists(), 30)

    # then
    run = api.get(f"/api/v1/syncs/{started['id']}", **headers).json()
    assert run["status"] == "completed", run["error"]
    assert run["counts"]["products"]["created"] == 1 and run["counts"]["orders"]["created"] == 1
    assert Product.objects.filter(company=company, sku="SHW-CHK").exists()
    assert Customer.objects.filter(company=company, phone="+971501234567").exists()
    events = list(Event.objects.filter(company=company, type__startswith="sync.").values_list("type", "data"))
    assert sorted(t for t, _ in events) == ["sync.completed", "sync.started"]
    completed = next(d for t, d in events if t == "sync.completed")
    assert completed["syncId"] == started["id"] and completed["processed"] == 3
    status = api.get(f"/api/v1/integrations/{woo_integration.id}/sync", **headers).json()
    assert status["syncState"]["isRunning"] is False and status["stats"]["successfulSyncs"] == 1
