"""The sync endpoints: start (202/409/400), status, list and detail, scopes and tenant isolation."""

import pytest

from integrations import services as integration_services
from sync import services
from sync.models import SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def manage(make_key, company):
    return make_key(company, scopes=["integrations:read", "integrations:manage"])


def sync_url(integration) -> str:
    return f"/api/v1/integrations/{integration.id}/sync"


def test_starting_a_sync_answers_202_with_the_queued_run(
    api, manage, woo_integration, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(
            sync_url(woo_integration),
            {"syncType": "products", "direction": "bidirectional", "options": {"batchSize": 25, "force": True}},
            format="json",
            **manage,
        )

    # then
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["syncType"] == "products" and body["direction"] == "bidirectional"
    assert body["batchSize"] == 25 and body["force"] is True and body["conflictStrategy"] == "timestamp"
    assert body["triggeredBy"] == "api_key" and body["integrationId"] == str(woo_integration.id)
    assert body["createdAt"].endswith("Z")
    assert len(callbacks) == 1  # the task is enqueued once the run is committed


def test_a_second_start_while_one_is_queued_answers_409_naming_it(api, manage, woo_integration):
    # given
    first = api.post(sync_url(woo_integration), {"syncType": "full"}, format="json", **manage).json()

    # when
    response = api.post(sync_url(woo_integration), {"syncType": "orders"}, format="json", **manage)

    # then
    assert response.status_code == 409
    body = response.json()
    assert body["details"]["syncId"] == first["id"] and first["id"] in body["message"]
    assert SyncRun.objects.filter(integration=woo_integration).count() == 1


def test_a_non_commerce_integration_cannot_sync(api, manage, company):
    # given
    stripe = integration_services.integration_create(
        company_id=company.id, name="Stripe", provider="stripe", config={"secretKey": "sk_test_abc"}
    )

    # when
    response = api.post(sync_url(stripe), {"syncType": "full"}, format="json", **manage)

    # then
    assert response.status_code == 400
    assert "woocommerce, shopify" in response.json()["details"]["integrationId"]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"syncType": "everything"}, "syncType", "allowed values: full, products, customers, orders"),
        ({}, "syncType", "required"),
        ({"syncType": "full", "direction": "sideways"}, "direction", "allowed values: pull, push, bidirectional"),
        ({"syncType": "full", "options": {"batchSize": 0}}, "options", "greater than or equal to 1"),
        ({"syncType": "full", "options": {"batchSize": 101}}, "options", "less than or equal to 100"),
        ({"syncType": "full", "options": {"conflictResolution": "manual"}}, "options", "allowed values"),
        ({"syncType": "full", "dataType": "suppliers"}, "dataType", "Unknown field"),
        ({"syncType": "orders", "direction": "push"}, "direction", "only be pulled"),
    ],
)
def test_bad_input_answers_400_naming_the_field(api, manage, woo_integration, body, field, fragment):
    # when
    response = api.post(sync_url(woo_integration), body, format="json", **manage)

    # then
    assert response.status_code == 400
    assert fragment in str(response.json()["details"][field])
    assert not SyncRun.objects.exists()


def test_an_inactive_integration_cannot_sync(api, manage, woo_integration):
    # given
    woo_integration.status = "inactive"
    woo_integration.save()

    # when
    response = api.post(sync_url(woo_integration), {"syncType": "full"}, format="json", **manage)

    # then
    assert response.status_code == 400 and "inactive" in response.json()["message"] + str(response.json()["details"])


def test_starting_needs_the_manage_scope_and_reading_the_read_scope(api, make_key, company, woo_integration):
    # given
    reader = make_key(company, scopes=["integrations:read"])
    outsider = make_key(company, scopes=["orders:read"])

    # then
    assert api.post(sync_url(woo_integration), {"syncType": "full"}, format="json", **reader).status_code == 403
    assert api.get(sync_url(woo_integration), **reader).status_code == 200
    assert api.get(sync_url(woo_integration), **outsider).status_code == 403
    assert api.get("/api/v1/syncs", **outsider).status_code == 403


def test_another_companys_integration_and_runs_are_not_found(api, make_key, other_company, woo_integration, manage):
    # given a run of our company
    run = services.sync_start(integration=woo_integration, sync_type="full", direction="pull", triggered_by="user")
    theirs = make_key(other_company, scopes=["integrations:read", "integrations:manage"])

    # then the other company sees none of it
    assert api.post(sync_url(woo_integration), {"syncType": "full"}, format="json", **theirs).status_code == 404
    assert api.get(sync_url(woo_integration), **theirs).status_code == 404
    assert api.get(f"/api/v1/syncs/{run.id}", **theirs).status_code == 404
    assert api.get("/api/v1/syncs", **theirs).json()["syncs"] == []
    assert api.get(f"/api/v1/syncs/{run.id}", **manage).status_code == 200


def test_the_status_reports_statistics_state_and_config(api, manage, woo, woo_integration, run_sync):
    # given one completed and one failed run, and one queued
    woo.add_product(name="Wrap", sku="W-1", price="5.00")
    run_sync(woo_integration, "full", "pull")
    woo.failures[("GET", "products", 1)] = 500
    run_sync(woo_integration, "products", "pull")
    queued = services.sync_start(integration=woo_integration, sync_type="orders", direction="pull", triggered_by="user")

    # when
    body = api.get(sync_url(woo_integration), **manage).json()

    # then
    assert body["stats"]["totalSyncs"] == 2
    assert body["stats"]["successfulSyncs"] == 1 and body["stats"]["failedSyncs"] == 1
    assert body["stats"]["lastSyncDuration"] is not None and body["stats"]["avgSyncDuration"] is not None
    assert body["syncState"]["isRunning"] is True and body["syncState"]["activeSyncs"] == 1
    assert body["syncState"]["currentSync"]["id"] == str(queued.id)
    assert body["syncState"]["lastFullSync"].endswith("Z")
    assert body["config"] == {
        "realTimeEnabled": False,
        "batchSize": 50,
        "conflictResolution": "timestamp",
        "syncIntervalMinutes": None,
    }
    assert body["lastSync"]["status"] == "failed" and "HTTP 500" in body["lastSync"]["error"]


def test_the_list_filters_by_status_integration_and_date(
    api, manage, woo, woo_integration, shopify_integration, run_sync
):
    # given
    done = run_sync(woo_integration, "customers", "pull")
    queued = services.sync_start(
        integration=shopify_integration, sync_type="full", direction="pull", triggered_by="user"
    )

    # when / then
    everything = api.get("/api/v1/syncs", **manage).json()
    assert [s["id"] for s in everything["syncs"]] == [str(queued.id), str(done.id)]
    assert everything["pagination"]["total"] == 2
    by_status = api.get("/api/v1/syncs?status=completed", **manage).json()["syncs"]
    assert [s["id"] for s in by_status] == [str(done.id)]
    by_integration = api.get(f"/api/v1/syncs?integrationId={shopify_integration.id}", **manage).json()["syncs"]
    assert [s["id"] for s in by_integration] == [str(queued.id)]
    assert api.get("/api/v1/syncs?startDate=2999-01-01", **manage).json()["syncs"] == []
    today = done.created_at.date().isoformat()
    assert len(api.get(f"/api/v1/syncs?endDate={today}", **manage).json()["syncs"]) == 2
    detail = api.get(f"/api/v1/syncs/{done.id}", **manage).json()
    assert detail["counts"]["customers"]["created"] == 0 and detail["status"] == "completed"


def test_the_list_filters_by_sync_type(api, manage, woo, woo_integration, shopify_integration, run_sync):
    # given a customers run and a full one
    customers = run_sync(woo_integration, "customers", "pull")
    services.sync_start(integration=shopify_integration, sync_type="full", direction="pull", triggered_by="user")
    # when
    response = api.get("/api/v1/syncs?syncType=customers", **manage)
    # then (it answered 500 before: the filter named a field the model does not have)
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["syncs"]] == [str(customers.id)]


def test_list_filters_with_bad_values_answer_400(api, manage):
    response = api.get("/api/v1/syncs?status=done&integrationId=nope&limit=500", **manage)

    assert response.status_code == 400
    details = response.json()["details"]
    assert "allowed values: queued, running, completed, failed" in str(details["status"])
    assert "integrationId" in details and "limit" in details


def test_an_unknown_sync_id_is_404(api, manage):
    assert api.get("/api/v1/syncs/00000000-0000-4000-8000-000000000000", **manage).status_code == 404


def test_a_person_with_a_jwt_starts_a_sync_recorded_as_theirs(api, owner, owner_headers, woo_integration):
    # when
    response = api.post(sync_url(woo_integration), {"syncType": "customers"}, format="json", **owner_headers)

    # then
    assert response.status_code == 202
    assert response.json()["triggeredBy"] == "user" and response.json()["triggeredById"] == str(owner.id)
