"""Issue 11's webhook findings: custom headers (validated, tolerated at delivery, encrypted, masked), per-endpoint
sweeps, secret rotation for owners only, and bare-date filters; through the API, the admin and a live worker."""

import base64
import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.redis_client import get_redis
from tests.support.http import StandIn, answer_ok
from tests.support.isolation import broker_key
from tests.support.processes import purge_queues
from tests.support.waiting import wait_until
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint, Event

BASE = "/api/v1/webhooks"
TOKEN = "Bearer sk_live_0123456789abcdef"
POISONED = {"X-Note": "café ☕"}  # what the probe registered; the worker could not encode it


@pytest.fixture
def manage(make_key, company):
    return make_key(company, scopes=["webhooks:read", "webhooks:manage", "logs:read"])


def register(api, auth, **body):
    payload = {"name": "Orders", "url": "https://partner.example/webhook", "events": ["order.*"], **body}
    return api.post(f"{BASE}/register", payload, format="json", **auth)


def lost_deliveries(endpoint: Endpoint, count: int) -> list[Delivery]:
    """Due deliveries whose broker messages were lost (only the sweeper can find them)."""
    now = timezone.now()
    deliveries = []
    for n in range(count):
        event = Event.objects.create(company_id=endpoint.company_id, type="order.created", data={"n": n})
        deliveries.append(
            Delivery.objects.create(
                company_id=endpoint.company_id,
                endpoint=endpoint,
                event=event,
                event_type=event.type,
                next_attempt_at=now,
                enqueued_at=None,
            )
        )
    return deliveries


def queued_batches() -> list[list[str]]:
    """Return the delivery ids of each message waiting in the webhooks queue (Celery protocol 2 on Redis)."""
    batches = []
    for raw in get_redis().lrange(broker_key("webhooks"), 0, -1):  # this xdist worker's queue name
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        batches.append(args[0])
    return batches


# --- finding 1: header names and values are checked at registration ----------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        POISONED,  # not Latin-1
        {"X-Note": "caf\u00e9"},  # Latin-1, still not visible ASCII
        {"X:Note": "v"},  # ":" is not a token character
        {"X Note": "v"},
        {"": "v"},
        {"X-Note": "delete\x7f"},
        {"X-Note": "bell\x07"},
        {"X-Ünicode": "v"},
    ],
)
def test_registration_refuses_headers_that_are_not_valid_http_fields(api, manage, headers):
    # when
    response = register(api, manage, headers=headers)
    # then
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["statusCode"] == 400 and "headers" in body["details"]
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_changing_headers_is_checked_the_same_way(api, manage):
    endpoint_id = register(api, manage).json()["id"]
    response = api.patch(f"{BASE}/{endpoint_id}", {"headers": POISONED}, format="json", **manage)
    assert response.status_code == 400 and "headers" in response.json()["details"]
    assert Endpoint.objects.get(id=endpoint_id).headers == {}


@pytest.mark.django_db
def test_ordinary_headers_with_inner_spaces_are_accepted(api, manage):
    response = register(api, manage, headers={"Authorization": TOKEN, "X-Trace_Id.v2": "a b\tc"})
    assert response.status_code == 201, response.content
    assert Endpoint.objects.get().headers == {"Authorization": TOKEN, "X-Trace_Id.v2": "a b\tc"}


# --- finding 1: a delivery that cannot be sent is a recorded failure, never a 500 -----------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stored", "name", "value"),
    [
        (POISONED, "X-Note", "café"),
        ({"Authorization": TOKEN + "\r\nX-Injected: 1"}, "Authorization", "sk_live"),  # requests quotes the value
    ],
)
def test_the_test_action_on_an_endpoint_with_an_unsendable_header_answers_a_failed_attempt(
    api, manage, stored, name, value
):
    with StandIn(answer_ok) as receiver:
        # given an endpoint stored before headers were checked
        endpoint_id = register(api, manage, url=receiver.url).json()["id"]
        Endpoint.objects.filter(id=endpoint_id).update(headers=stored)
        # when
        response = api.post(f"{BASE}/{endpoint_id}/test", **manage)
    # then the failure names the header, never its value (often a token)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["success"] is False and result["statusCode"] is None
    assert name in result["error"] and value not in result["error"]
    assert receiver.requests == []
    delivery = Delivery.objects.get(id=result["deliveryId"])
    assert delivery.status == "failed" and delivery.attempts.count() == 1


@pytest.mark.django_db
def test_an_unexpected_exception_in_one_delivery_is_its_recorded_attempt_and_the_batch_is_recorded(
    company, endpoint_for, monkeypatch
):
    monkeypatch.setattr(services, "deliveries_enqueue", lambda ids, countdown=0: None)
    with StandIn(answer_ok) as receiver:
        # given one event for two endpoints of a company, and a fault (a bug) while signing for one of them
        broken = endpoint_for(receiver.url + "/broken")
        endpoint_for(receiver.url)
        sign = services.signing.headers

        def faulty(secrets, **kwargs):
            if secrets[0] == broken.secret:
                raise RuntimeError("unexpected")
            return sign(secrets, **kwargs)

        monkeypatch.setattr(services.signing, "headers", faulty)
        event = services.event_publish(company, "order.created", {"orderId": "o-1"})
        # when both are attempted in one batch
        attempts = services.deliveries_attempt(delivery_ids=list(event.deliveries.values_list("id", flat=True)))
    # then both outcomes are recorded: the broken one as a retryable failed attempt
    assert len(attempts) == 2 and len(receiver.requests) == 1
    failed = Delivery.objects.get(event=event, endpoint=broken)
    assert (failed.status, failed.attempt_count, failed.claim_token) == ("retrying", 1, None)
    assert "Internal error" in failed.last_error and "unexpected" not in failed.last_error
    assert Delivery.objects.exclude(endpoint=broken).get(event=event).status == "success"


@pytest.mark.django_db
def test_a_delivery_claimed_past_its_attempts_fails_without_being_sent_again(company, endpoint_for):
    with StandIn(answer_ok) as receiver:
        # given a delivery whose outcomes were lost three times (its worker died mid-send), 2 retries allowed
        endpoint = endpoint_for(receiver.url, max_retries=2)
        (delivery,) = lost_deliveries(endpoint, 1)
        Delivery.objects.filter(id=delivery.id).update(
            attempt_count=3, claim_token=delivery.id, claimed_until=timezone.now() - timedelta(seconds=1)
        )
        # when
        attempts = services.deliveries_attempt(delivery_ids=[delivery.id])
    # then
    delivery.refresh_from_db()
    assert attempts == [] and receiver.requests == []
    assert (delivery.status, delivery.attempt_count, delivery.claim_token) == ("failed", 3, None)
    assert "Gave up" in delivery.last_error


# --- finding 1: sweeps are formed per endpoint (checked on the broker, before any worker runs) -----


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_puts_each_endpoints_deliveries_in_their_own_messages(company, other_company):
    # given lost deliveries of two companies' endpoints, interleaved in due order
    purge_queues()
    ours, _ = services.endpoint_create(company_id=company.id, name="a", url="https://a.example/h", events=["order.*"])
    theirs, _ = services.endpoint_create(
        company_id=other_company.id, name="b", url="https://b.example/h", events=["order.*"]
    )
    owner_of = {}
    for a, b in zip(lost_deliveries(ours, 3), lost_deliveries(theirs, 3), strict=True):
        owner_of[str(a.id)], owner_of[str(b.id)] = ours.id, theirs.id
    # when
    swept = services.deliveries_sweep()
    # then every message holds one endpoint's deliveries, and all six were enqueued once
    batches = queued_batches()
    purge_queues()
    assert swept == 6
    assert sorted(i for batch in batches for i in batch) == sorted(owner_of)
    assert all(len({owner_of[i] for i in batch}) == 1 for batch in batches), batches


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_poisoned_endpoint_neither_stalls_nor_duplicates_another_companys_deliveries(
    webhook_worker, company, other_company
):
    with StandIn(answer_ok) as receiver:
        # given a company whose endpoint holds an unsendable header (stored before the check) and
        # another company's healthy endpoint, each with three deliveries the sweeper must pick up
        poisoned, _ = services.endpoint_create(
            company_id=company.id, name="poisoned", url=receiver.url + "/poisoned", events=["order.*"]
        )
        Endpoint.objects.filter(id=poisoned.id).update(headers=POISONED)
        healthy, _ = services.endpoint_create(
            company_id=other_company.id, name="healthy", url=receiver.url, events=["order.*"]
        )
        bad = lost_deliveries(poisoned, 3)
        good = lost_deliveries(healthy, 3)
        # when the sweeper hands them to the live worker
        with transaction.atomic():
            assert services.deliveries_sweep() == 6
        # then every delivery reaches a final, recorded state
        wait_until(lambda: not Delivery.objects.filter(status__in=Delivery.OPEN_STATUSES).exists())
        # and nothing is left for a later sweep to send again
        assert services.deliveries_sweep() == 0
    assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted(
        d.event.message_id for d in good
    )  # each exactly once
    assert set(Delivery.objects.filter(endpoint=healthy).values_list("status", flat=True)) == {"success"}
    assert set(Delivery.objects.filter(endpoint=poisoned).values_list("status", flat=True)) == {"failed"}
    errors = list(Attempt.objects.filter(delivery__in=bad).values_list("error", flat=True))
    assert len(errors) == 3 and all("X-Note" in e and "café" not in e for e in errors)


# --- finding 8: custom headers encrypted at rest, masked in the API and the admin -----------------


@pytest.mark.django_db
def test_custom_headers_are_stored_encrypted_and_answered_masked(api, manage):
    # when
    created = register(api, manage, headers={"Authorization": TOKEN, "X-Short": "abc"})
    # then
    assert created.status_code == 201, created.content
    with connection.cursor() as cursor:
        cursor.execute("SELECT headers::text FROM webhooks_endpoint WHERE id = %s", [created.json()["id"]])
        stored = cursor.fetchone()[0]
    assert stored.startswith("enc:v1:") and "sk_live" not in stored and "Authorization" not in stored
    masked = {"Authorization": "****cdef", "X-Short": "****"}
    assert created.json()["headers"] == masked
    assert api.get(f"{BASE}/{created.json()['id']}", **manage).json()["headers"] == masked
    listed = api.get(BASE, **manage)
    assert listed.json()["webhooks"][0]["headers"] == masked and "sk_live" not in listed.content.decode()


@pytest.mark.django_db
def test_a_masked_header_sent_back_keeps_its_value_and_a_new_one_replaces_it(api, manage):
    endpoint_id = register(api, manage, headers={"Authorization": TOKEN}).json()["id"]
    # when the masked view is sent back with one more header
    response = api.patch(
        f"{BASE}/{endpoint_id}", {"headers": {"Authorization": "****cdef", "X-New": "1"}}, format="json", **manage
    )
    # then
    assert response.status_code == 200, response.content
    assert Endpoint.objects.get(id=endpoint_id).headers == {"Authorization": TOKEN, "X-New": "1"}
    # and a masked value for a header that has none is refused
    unknown = api.patch(f"{BASE}/{endpoint_id}", {"headers": {"X-Other": "****"}}, format="json", **manage)
    assert unknown.status_code == 400 and "headers" in unknown.json()["details"]


@pytest.mark.django_db
def test_the_admin_masks_header_values_and_keeps_them_when_saved_masked(admin_client, company, endpoint_for):
    endpoint = endpoint_for("https://partner.example/hook", headers={"Authorization": TOKEN})
    page = admin_client.get(f"/admin/webhooks/endpoint/{endpoint.id}/change/").content.decode()
    assert "sk_live" not in page and "****cdef" in page
    # when an operator saves the form as shown
    response = admin_client.post(
        f"/admin/webhooks/endpoint/{endpoint.id}/change/",
        {
            "company": str(company.id),
            "name": "Renamed",
            "url": endpoint.url,
            "description": "",
            "events": ["order.*"],
            "max_retries": "7",
            "headers": json.dumps({"Authorization": "****cdef"}),
            "rate_limit": "",
            "metadata": "{}",
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.headers) == ("Renamed", {"Authorization": TOKEN})


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_headers_stored_in_clear(company):
    executor = MigrationExecutor(connection)
    executor.migrate([("webhooks", "0002_delivery_enqueued_at")])
    try:
        # given a row written by the previous schema (headers as clear JSON)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO webhooks_endpoint (id, company_id, name, url, description, events, secret, status,"
                " disabled_reason, max_retries, headers, metadata, failure_count, created_at, updated_at)"
                " VALUES (gen_random_uuid(), %s, 'old', 'https://old.example/h', '', '[\"order.*\"]', %s, 'active',"
                " '', 7, %s, '{}', 0, now(), now())",
                [company.id, "enc:v1:unused", json.dumps({"Authorization": TOKEN})],
            )
    finally:
        # when
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes("webhooks"))
    # then
    with connection.cursor() as cursor:
        cursor.execute("SELECT headers FROM webhooks_endpoint WHERE name = 'old'")
        stored = cursor.fetchone()[0]
    assert stored.startswith("enc:v1:") and "sk_live" not in stored
    assert Endpoint.objects.only("headers").get(name="old").headers == {"Authorization": TOKEN}


# --- finding 12: only owners and admins (JWT) rotate, as only they read the secret ---------------


@pytest.mark.django_db
def test_a_key_cannot_rotate_the_secret_but_an_owner_can(
    api, manage, owner_headers, make_user, other_company, jwt_headers
):
    created = register(api, manage).json()
    url = f"{BASE}/{created['id']}/rotate-secret"
    # when a webhooks:manage key asks
    refused = api.post(url, **manage)
    # then it learns nothing and the secret is unchanged
    assert refused.status_code == 403 and refused.json()["statusCode"] == 403
    assert "whsec_" not in refused.content.decode()
    assert Endpoint.objects.get(id=created["id"]).secret == created["secret"]
    # and another company's owner gets 404, this company's owner the new secret
    stranger = make_user("owner@other.example", other_company, "owner")
    assert api.post(url, **jwt_headers(stranger, other_company)).status_code == 404
    rotated = api.post(url, **owner_headers)
    assert rotated.status_code == 200 and rotated.json()["secret"] != created["secret"]


# --- finding 4 (fixed by the core work): a bare date filters the delivery lists --------------------


@pytest.mark.django_db
def test_a_bare_date_filters_deliveries_and_delivery_logs(api, manage, company, endpoint_for, monkeypatch):
    monkeypatch.setattr(services, "deliveries_enqueue", lambda ids, countdown=0: None)
    with StandIn(answer_ok) as receiver:
        endpoint = endpoint_for(receiver.url)
        delivery = Delivery.objects.get(event=services.event_publish(company, "order.created", {"orderId": "o-1"}))
        services.delivery_attempt(delivery_id=delivery.id)
    today = timezone.now().date().isoformat()
    deliveries = api.get(f"{BASE}/{endpoint.id}/deliveries", {"startDate": today, "endDate": today}, **manage)
    logs = api.get("/api/v1/logs/webhooks", {"startDate": today}, **manage)
    past = api.get("/api/v1/logs/webhooks", {"endDate": "2025-11-01"}, **manage)
    assert deliveries.status_code == 200 and [d["id"] for d in deliveries.json()["deliveries"]] == [str(delivery.id)]
    assert logs.status_code == 200 and logs.json()["pagination"]["total"] == 1
    assert past.status_code == 200 and past.json()["logs"] == []
