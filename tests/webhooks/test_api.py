"""The webhooks API: endpoints, tests, deliveries, secrets, recovery, the catalog and delivery logs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from tests.support.http import Answer, StandIn, answer_ok
from webhooks import services
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db

BASE = "/api/v1/webhooks"


def register(api, auth, **body):
    payload = {"name": "Order Updates", "url": "https://partner.example/webhook", "events": ["order.created"]}
    payload.update(body)
    return api.post(f"{BASE}/register", payload, format="json", **auth)


@pytest.fixture
def manage(make_key, company):
    return make_key(company, scopes=["webhooks:read", "webhooks:manage", "logs:read"])


@pytest.fixture
def other_manage(make_key, other_company):
    return make_key(other_company, scopes=["webhooks:read", "webhooks:manage", "logs:read"])


def test_registering_answers_the_secret_once_and_stores_it_encrypted(api, manage):
    # when
    response = register(api, manage, maxRetries=3, headers={"X-Partner": "acme"}, rateLimit=50)
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["order.created"]
    assert body["maxRetries"] == 3 and body["rateLimit"] == 50
    assert body["headers"] == {"X-Partner": "****"}  # values are masked (issue 11, finding 8)
    assert body["status"] == "active"
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_endpoint WHERE id = %s", [body["id"]])
        stored = cursor.fetchone()[0]
    assert stored.startswith("enc:v1:") and body["secret"] not in stored
    listed = api.get(BASE, **manage).json()
    assert listed["pagination"]["total"] == 1
    assert "secret" not in listed["webhooks"][0]
    assert listed["webhooks"][0]["secretHint"].endswith(body["secret"][-4:])


def test_post_on_the_collection_registers_too(api, manage):
    response = api.post(
        BASE, {"name": "n", "url": "https://partner.example/h", "events": ["order.*"]}, format="json", **manage
    )
    assert response.status_code == 201
    assert response.json()["events"] == ["order.*"]


def test_an_unknown_event_type_is_refused_naming_the_catalog(api, manage):
    response = register(api, manage, events=["order.created", "order.exploded", "pizza.*"])
    assert response.status_code == 400
    body = response.json()
    message = body["details"]["events"][0]
    assert "order.exploded" in message and "pizza.*" in message
    assert "order.out_for_delivery" in message and "payment.*" in message


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "https://[abc/hook"}, "url"),
        ({"url": "https://host:99999/hook"}, "url"),
        ({"events": []}, "events"),
        ({"maxRetries": 99}, "maxRetries"),
        ({"headers": {"webhook-signature": "forged"}}, "headers"),
        ({"headers": {"Host": "evil"}}, "headers"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_registrations_answer_400_with_the_field(api, manage, body, field):
    response = register(api, manage, **body)
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_private_and_plain_http_urls_are_refused_unless_allowed(api, manage, settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = False
    assert register(api, manage, url="https://10.0.0.5/hook").status_code == 400
    assert register(api, manage, url="https://localhost/hook").status_code == 400
    refused = register(api, manage, url="http://93.184.216.34/hook")
    assert refused.status_code == 400 and "https" in refused.json()["details"]["url"][0]
    assert register(api, manage, url="https://93.184.216.34/hook").status_code == 201


def test_a_read_only_key_lists_but_cannot_register(api, make_key, company):
    reader = make_key(company, scopes=["webhooks:read"])
    assert api.get(BASE, **reader).status_code == 200
    response = register(api, reader)
    assert response.status_code == 403
    assert response.json()["details"]["requiredScopes"] == ["webhooks:manage"]


def test_get_update_and_delete(api, manage):
    # given
    endpoint_id = register(api, manage).json()["id"]
    # when
    updated = api.put(f"{BASE}/{endpoint_id}", {"events": ["payment.*"], "name": "Payments"}, format="json", **manage)
    # then
    assert updated.status_code == 200
    assert api.get(f"{BASE}/{endpoint_id}", **manage).json()["events"] == ["payment.*"]
    assert api.patch(f"{BASE}/{endpoint_id}", {"events": ["nope"]}, format="json", **manage).status_code == 400
    assert api.delete(f"{BASE}/{endpoint_id}", **manage).status_code == 204
    assert api.get(f"{BASE}/{endpoint_id}", **manage).status_code == 404


def test_setting_status_active_re_enables_an_automatically_disabled_endpoint(api, manage):
    endpoint_id = register(api, manage).json()["id"]
    Endpoint.objects.filter(id=endpoint_id).update(status="failed", disabled_reason="The endpoint answered 410 Gone.")
    body = api.get(f"{BASE}/{endpoint_id}", **manage).json()
    assert (body["status"], body["disabledReason"]) == ("failed", "The endpoint answered 410 Gone.")
    response = api.patch(f"{BASE}/{endpoint_id}", {"status": "active"}, format="json", **manage)
    assert response.json()["status"] == "active" and response.json()["disabledReason"] == ""


def test_another_companys_endpoint_answers_404_everywhere(api, manage, other_manage):
    # given
    endpoint_id = register(api, manage).json()["id"]
    # then
    assert api.get(f"{BASE}/{endpoint_id}", **other_manage).status_code == 404
    assert api.put(f"{BASE}/{endpoint_id}", {"name": "x"}, format="json", **other_manage).status_code == 404
    assert api.delete(f"{BASE}/{endpoint_id}", **other_manage).status_code == 404
    assert api.post(f"{BASE}/{endpoint_id}/test", **other_manage).status_code == 404
    assert api.get(f"{BASE}/{endpoint_id}/deliveries", **other_manage).status_code == 404
    # Keys may not rotate at all (issue 11, finding 12); another company's owner gets 404 (test_security_findings).
    assert api.post(f"{BASE}/{endpoint_id}/rotate-secret", **other_manage).status_code == 403
    recover = {"since": "2025-01-01T00:00:00Z"}
    assert api.post(f"{BASE}/{endpoint_id}/recover", recover, format="json", **other_manage).status_code == 404
    assert api.get(BASE, **other_manage).json()["webhooks"] == []


def test_the_test_action_sends_a_signed_webhook_test_event_now(api, manage):
    with StandIn(lambda request: Answer(200, b'{"received":true}')) as receiver:
        created = register(api, manage, url=receiver.url).json()
        response = api.post(f"{BASE}/{created['id']}/test", **manage)
        assert response.status_code == 200, response.content
        result = response.json()
        assert result["success"] is True and result["statusCode"] == 200
        assert result["responseBody"] == '{"received":true}'
        payload = Webhook(created["secret"]).verify(receiver.requests[0].body, receiver.requests[0].headers)
        assert payload["type"] == "webhook.test"
        assert receiver.requests[0].headers["webhook-id"] == result["messageId"]


def test_the_test_action_reports_a_failing_receiver(api, manage):
    with StandIn(lambda request: Answer(500, b"down")) as receiver:
        created = register(api, manage, url=receiver.url).json()
        result = api.post(f"{BASE}/{created['id']}/test", **manage).json()
    assert (result["success"], result["statusCode"], result["responseBody"]) == (False, 500, "down")
    assert Delivery.objects.get(id=result["deliveryId"]).status == "failed"  # a test is not retried


def test_deliveries_are_listed_with_attempts_and_filters(api, manage, company):
    with StandIn(lambda request: Answer(500) if request.n == 1 else Answer(200)) as receiver:
        # given two events, one delivered after a failed attempt and one still pending
        endpoint_id = register(api, manage, url=receiver.url, events=["order.*"]).json()["id"]
        created = services.event_publish(company, "order.created", {"orderId": "o-1"})
        services.event_publish(company, "order.cancelled", {"orderId": "o-2"})
        delivery = Delivery.objects.get(event=created)
        services.delivery_attempt(delivery_id=delivery.id)
        Delivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now())
        services.delivery_attempt(delivery_id=delivery.id)
    url = f"{BASE}/{endpoint_id}/deliveries"
    # when
    everything = api.get(url, **manage).json()
    successes = api.get(url, {"status": "success"}, **manage).json()
    cancelled = api.get(url, {"eventType": "order.cancelled"}, **manage).json()
    future = api.get(url, {"startDate": (timezone.now() + timedelta(days=1)).isoformat()}, **manage).json()
    # then
    assert everything["pagination"]["total"] == 2
    [success] = successes["deliveries"]
    assert success["event"] == "order.created" and success["attemptCount"] == 2
    assert [a["statusCode"] for a in success["attempts"]] == [500, 200]
    assert success["payload"]["data"] == {"orderId": "o-1"}
    assert [d["event"] for d in cancelled["deliveries"]] == ["order.cancelled"]
    assert future["deliveries"] == []
    bad = api.get(url, {"status": "exploded"}, **manage)
    assert bad.status_code == 400 and "pending" in bad.json()["details"]["status"]
    assert api.get(url, {"startDate": "yesterday"}, **manage).status_code == 400
    assert api.get(url, {"endDate": "2025-13-45"}, **manage).status_code == 400
    assert api.get(url, {"startDate": "2025-02-30T10:00:00Z"}, **manage).status_code == 400


def test_rotating_the_secret_signs_with_both_secrets_for_the_grace_period(api, manage, owner_headers):
    with StandIn(answer_ok) as receiver:
        created = register(api, manage, url=receiver.url).json()
        # when (rotating answers the secret: owners and admins only, as GET …/secret)
        rotated = api.post(f"{BASE}/{created['id']}/rotate-secret", **owner_headers).json()
        api.post(f"{BASE}/{created['id']}/test", **manage)
    # then both the old and the new secret verify the message
    request = receiver.requests[0]
    assert rotated["secret"] != created["secret"] and rotated["previousSecretExpiresAt"]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(created["secret"]).verify(request.body, request.headers)["type"] == "webhook.test"
    assert Webhook(rotated["secret"]).verify(request.body, request.headers)["type"] == "webhook.test"


def test_after_the_grace_period_only_the_new_secret_signs(api, manage, owner_headers):
    with StandIn(answer_ok) as receiver:
        created = register(api, manage, url=receiver.url).json()
        rotated = api.post(f"{BASE}/{created['id']}/rotate-secret", **owner_headers).json()
        Endpoint.objects.filter(id=created["id"]).update(previous_secret_expires_at=timezone.now())
        api.post(f"{BASE}/{created['id']}/test", **manage)
    request = receiver.requests[0]
    assert Webhook(rotated["secret"]).verify(request.body, request.headers)
    with pytest.raises(Exception, match="[Ss]ignature"):
        Webhook(created["secret"]).verify(request.body, request.headers)


def test_the_secret_is_shown_to_owners_by_jwt_but_not_to_keys(api, manage, owner_headers):
    created = register(api, manage).json()
    shown = api.get(f"{BASE}/{created['id']}/secret", **owner_headers)
    assert shown.status_code == 200 and shown.json()["secret"] == created["secret"]
    assert api.get(f"{BASE}/{created['id']}/secret", **manage).status_code == 403


def _failed_delivery(company, endpoint_id, event_type="order.created") -> Delivery:
    event = services.event_publish(company, event_type, {})
    delivery = Delivery.objects.get(event=event, endpoint_id=endpoint_id)
    Delivery.objects.filter(id=delivery.id).update(status="failed", next_attempt_at=None, attempt_count=3)
    return delivery


def test_recover_requeues_failed_deliveries_since_a_time(api, manage, company, django_capture_on_commit_callbacks):
    endpoint_id = register(api, manage, events=["*"]).json()["id"]
    old = _failed_delivery(company, endpoint_id)
    Delivery.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=3))
    recent = [_failed_delivery(company, endpoint_id) for _ in range(2)]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(f"{BASE}/{endpoint_id}/recover", {"since": since}, format="json", **manage)
    # then
    assert response.status_code == 200 and response.json() == {"requeued": 2}
    assert len(callbacks) == 1
    assert set(Delivery.objects.filter(status="pending").values_list("id", flat=True)) == {d.id for d in recent}
    assert api.post(f"{BASE}/{endpoint_id}/recover", {}, format="json", **manage).status_code == 400


def test_retrying_a_failed_delivery_reopens_it(api, manage, other_manage, company):
    endpoint_id = register(api, manage).json()["id"]
    delivery = _failed_delivery(company, endpoint_id)
    assert api.post(f"{BASE}/deliveries/{delivery.id}/retry", **other_manage).status_code == 404
    response = api.post(f"{BASE}/deliveries/{delivery.id}/retry", **manage)
    assert response.status_code == 202 and response.json()["status"] == "pending"
    again = api.post(f"{BASE}/deliveries/{delivery.id}/retry", **manage)
    assert again.status_code == 409 and again.json()["statusCode"] == 409


def test_event_types_list_the_catalog_with_examples(api, manage):
    body = api.get(f"{BASE}/event-types", **manage).json()
    types = {t["type"]: t for t in body["eventTypes"]}
    for name in ("order.created", "order.out_for_delivery", "order.rejected", "payment.refunded", "webhook.test"):
        assert types[name]["description"]
        assert types[name]["payload"]["type"] == name
    assert types["order.out_for_delivery"]["example"]["status"] == "out_for_delivery"
    assert "order.*" in body["wildcards"]


def test_webhook_logs_list_attempts_of_the_company_only(api, manage, other_manage, company, other_company):
    with StandIn(lambda request: Answer(503) if request.n == 1 else Answer(200)) as receiver:
        endpoint_id = register(api, manage, url=receiver.url).json()["id"]
        event = services.event_publish(company, "order.created", {})
        delivery = Delivery.objects.get(event=event)
        services.delivery_attempt(delivery_id=delivery.id)
        Delivery.objects.filter(id=delivery.id).update(next_attempt_at=timezone.now())
        services.delivery_attempt(delivery_id=delivery.id)
    logs = api.get("/api/v1/logs/webhooks", **manage).json()
    assert [(log["attempt"], log["status"], log["statusCode"]) for log in logs["logs"]] == [
        (2, "success", 200),
        (1, "failed", 503),
    ]
    assert logs["logs"][0]["webhookId"] == endpoint_id
    failed = api.get("/api/v1/logs/webhooks", {"status": "failed"}, **manage).json()["logs"]
    assert len(failed) == 1
    assert api.get("/api/v1/logs/webhooks", {"status": "bad"}, **manage).status_code == 400
    assert api.get("/api/v1/logs/webhooks", **other_manage).json()["logs"] == []
    assert Event.objects.filter(company=other_company).count() == 0


def test_the_test_action_is_rate_limited_per_caller(api, manage):
    with StandIn(answer_ok) as receiver:
        endpoint_id = register(api, manage, url=receiver.url).json()["id"]
        answers = [api.post(f"{BASE}/{endpoint_id}/test", **manage).status_code for _ in range(31)]
    assert answers[:30] == [200] * 30
    assert answers[30] == 429
    assert len(receiver.requests) == 30


def test_another_companys_owner_cannot_read_the_secret(api, manage, make_user, other_company, jwt_headers):
    created = register(api, manage).json()
    stranger = make_user("owner@other.example", other_company, "owner")
    response = api.get(f"{BASE}/{created['id']}/secret", **jwt_headers(stranger, other_company))
    assert response.status_code == 404
    assert created["secret"] not in response.content.decode()


def test_a_date_postgresql_cannot_store_answers_400_not_500(api, company, make_key):
    headers = make_key(company, scopes=["logs:read"])
    response = api.get("/api/v1/logs/webhooks/?endDate=8379-12-27T13%3A39%3A29-21%3A11", **headers)
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400
