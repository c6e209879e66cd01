"""The event API: publishing with schemas, event types, sinks and sources, the test event, tenancy, SSRF."""

import pytest

from integrations.providers import kafka as kafka_provider
from streaming.models import SinkMessage
from tests.events.conftest import make_kafka, read_topic, topic_name

STOCK = {
    "name": "inventory.stock.updated",
    "description": "Stock of a SKU changed",
    "schema": {
        "type": "object",
        "required": ["sku", "quantity"],
        "properties": {
            "sku": {"type": "string", "minLength": 1},
            "quantity": {"type": "integer", "minimum": 0},
            "lines": {"type": "array", "items": {"type": "object", "required": ["qty"]}},
        },
        "additionalProperties": True,
    },
    "example": {"sku": "SKU-1", "quantity": 3},
}


@pytest.fixture
def headers(make_key, company):
    return make_key(company)


def test_the_seed_stock_event_is_refused_until_its_type_is_defined_then_validated(api, headers):
    # given: no custom type yet
    body = {"eventType": "inventory.stock.updated", "data": {"sku": "SKU-1", "quantity": 4}}
    response = api.post("/api/v1/events", body, format="json", **headers)
    assert response.status_code == 400 and "eventType" in response.json()["details"]
    # when: the type is defined (its JSON Schema keys kept as sent)
    created = api.post("/api/v1/event-types", STOCK, format="json", **headers)
    assert created.status_code == 201, created.content
    assert created.json()["schema"]["additionalProperties"] is True
    # then: a good event is published
    response = api.post("/api/v1/events", body, format="json", **headers)
    assert response.status_code == 201, response.content
    assert response.json()["eventType"] == "inventory.stock.updated"
    # and a bad one answers 400 naming the failing path
    bad = {"eventType": "inventory.stock.updated", "data": {"sku": "SKU-1", "quantity": -1}}
    response = api.post("/api/v1/events", bad, format="json", **headers)
    assert response.status_code == 400
    assert response.json()["details"] == {"data.quantity": "-1 is less than the minimum of 0"}
    nested = {"eventType": "inventory.stock.updated", "data": {"sku": "S", "quantity": 1, "lines": [{}]}}
    response = api.post("/api/v1/events", nested, format="json", **headers)
    assert list(response.json()["details"]) == ["data.lines[0]"]


def test_built_in_types_carry_schemas_that_their_examples_satisfy_and_data_is_checked(api, headers):
    # given
    listed = api.get("/api/v1/event-types", **headers).json()
    order_created = next(t for t in listed["eventTypes"] if t["name"] == "order.created")
    assert order_created["builtIn"] and order_created["schema"]["required"] == ["orderId", "status"]
    # when / then: the example is accepted, data without the order id is not
    good = api.post(
        "/api/v1/events", {"eventType": "order.created", "data": order_created["example"]}, format="json", **headers
    )
    assert good.status_code == 201
    bad = api.post("/api/v1/events", {"eventType": "order.created", "data": {"status": "x"}}, format="json", **headers)
    assert bad.status_code == 400 and "orderId" in bad.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**STOCK, "name": "order.exploded"}, "name"),
        ({**STOCK, "name": "Not A Name"}, "name"),
        ({**STOCK, "schema": {"type": "no-such-type"}}, "schema"),
        ({**STOCK, "schema": []}, "schema"),
        ({**STOCK, "example": {"sku": "x"}}, "example"),
    ],
)
def test_an_invalid_event_type_is_refused(api, headers, body, field):
    response = api.post("/api/v1/event-types", body, format="json", **headers)
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_event_types_are_read_replaced_and_deleted(api, headers):
    api.post("/api/v1/event-types", STOCK, format="json", **headers)
    replaced = api.put(
        "/api/v1/event-types/inventory.stock.updated",
        {"description": "v2", "schema": {"type": "object"}},
        format="json",
        **headers,
    )
    assert replaced.status_code == 200 and replaced.json()["description"] == "v2"
    assert api.get("/api/v1/event-types/inventory.stock.updated", **headers).json()["schema"] == {"type": "object"}
    assert api.delete("/api/v1/event-types/inventory.stock.updated", **headers).status_code == 204
    assert api.get("/api/v1/event-types/inventory.stock.updated", **headers).status_code == 404
    assert api.put("/api/v1/event-types/order.created", {"schema": {}}, format="json", **headers).status_code == 404


def test_a_webhook_endpoint_may_subscribe_to_a_custom_type_of_its_company_only(api, headers, make_key, other_company):
    api.post("/api/v1/event-types", STOCK, format="json", **headers)
    body = {"name": "stock", "url": "http://127.0.0.1:9/hook", "events": ["inventory.stock.updated"]}
    assert api.post("/api/v1/webhooks", body, format="json", **headers).status_code == 201
    other = api.post("/api/v1/webhooks", body, format="json", **make_key(other_company))
    assert other.status_code == 400 and "events" in other.json()["details"]


def test_publishing_repeats_with_an_idempotency_key_and_lists_the_event_with_its_destinations(
    api, headers, company, kafka_bootstrap
):
    # given: a sink for order events
    kafka = make_kafka(company, kafka_bootstrap)
    sink = api.post(
        "/api/v1/event-sinks",
        {"integrationId": str(kafka.id), "events": ["order.*"], "topic": "hub.{eventType}"},
        format="json",
        **headers,
    )
    assert sink.status_code == 201, sink.content
    assert sink.json()["partitionKey"] == "{subject}" and sink.json()["lag"] == 0
    body = {"eventType": "order.created", "data": {"orderId": "o-1", "status": "pending"}}
    # when: the same publication is sent twice with a key, then once more with another body
    first = api.post("/api/v1/events", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1", **headers)
    again = api.post("/api/v1/events", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1", **headers)
    other = {**body, "data": {"orderId": "o-2", "status": "pending"}}
    reused = api.post("/api/v1/events", other, format="json", HTTP_IDEMPOTENCY_KEY="k-1", **headers)
    # then
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert reused.status_code == 422
    assert SinkMessage.objects.count() == 1
    listed = api.get("/api/v1/events?eventType=order.created", **headers).json()
    assert [e["id"] for e in listed["events"]] == [first.json()["id"]] and listed["pagination"]["total"] == 1
    detail = api.get(f"/api/v1/events/{first.json()['id']}", **headers).json()
    assert detail["deliveries"]["sinks"][0]["topic"] == "hub.order.created"
    assert detail["deliveries"]["sinks"][0]["status"] == "pending" and detail["payload"]["type"] == "order.created"
    assert api.get(f"/api/v1/event-sinks/{sink.json()['id']}", **headers).json()["lag"] == 1


def test_the_test_event_answers_the_partition_and_offset_of_a_real_produce(api, headers, company, kafka_bootstrap):
    # given
    make_kafka(company, kafka_bootstrap)
    topic = topic_name("test")
    body = {"topic": topic, "eventType": "order.created", "data": {"orderId": "o-9", "status": "pending"}}
    # when
    first = api.post("/api/v1/integrations/test/event", body, format="json", **headers)
    second = api.post("/api/v1/integrations/test/event", body, format="json", **headers)
    # then
    assert first.status_code == 200, first.content
    answer = first.json()
    assert answer["success"] is True and answer["partition"] >= 0 and answer["offset"] >= 0
    if second.json()["partition"] == answer["partition"]:
        assert second.json()["offset"] == answer["offset"] + 1
    messages = read_topic(kafka_bootstrap, topic, count=2)
    assert [m.key() for m in messages] == [b"o-9", b"o-9"]
    assert dict(messages[0].headers())["event-id"].decode() == answer["eventId"]


def test_the_test_event_refuses_bad_input_without_a_5xx(api, headers, company):
    body = {"topic": "t", "eventType": "order.created", "data": {"orderId": "o", "status": "s"}}
    none = api.post("/api/v1/integrations/test/event", body, format="json", **headers)
    assert none.status_code == 400 and "integrationId" in none.json()["details"]
    make_kafka(company, "127.0.0.1:1")  # nothing listens there
    down = api.post("/api/v1/integrations/test/event", body, format="json", **headers)
    assert down.status_code == 502 and down.json()["statusCode"] == 502
    bad_topic = api.post("/api/v1/integrations/test/event", {**body, "topic": "a b"}, format="json", **headers)
    assert bad_topic.status_code == 400


def test_sinks_sources_and_events_are_invisible_to_another_company(
    api, headers, make_key, company, other_company, kafka_bootstrap
):
    # given: a company's sink, source and event
    kafka = make_kafka(company, kafka_bootstrap)
    sink = api.post(
        "/api/v1/event-sinks", {"integrationId": str(kafka.id), "events": ["*"], "topic": "t"}, format="json", **headers
    ).json()
    source = api.post(
        "/api/v1/event-sources",
        {"integrationId": str(kafka.id), "topics": ["in"], "eventType": "order.created"},
        format="json",
        **headers,
    ).json()
    event = api.post(
        "/api/v1/events",
        {"eventType": "order.created", "data": {"orderId": "o", "status": "s"}},
        format="json",
        **headers,
    ).json()
    other = make_key(other_company)
    # then: the other company sees none of them, and cannot use the first one's integration
    for path in (f"event-sinks/{sink['id']}", f"event-sources/{source['id']}", f"events/{event['id']}"):
        assert api.get(f"/api/v1/{path}", **other).status_code == 404
        assert api.get(f"/api/v1/{path}", **headers).status_code == 200
    assert (
        api.patch(f"/api/v1/event-sinks/{sink['id']}", {"status": "paused"}, format="json", **other).status_code == 404
    )
    assert api.delete(f"/api/v1/event-sources/{source['id']}", **other).status_code == 404
    for path in ("event-sinks", "event-sources", "events"):
        assert api.get(f"/api/v1/{path}", **other).json()["pagination"]["total"] == 0
    stolen = api.post(
        "/api/v1/event-sinks", {"integrationId": str(kafka.id), "events": ["*"], "topic": "t"}, format="json", **other
    )
    assert stolen.status_code == 400 and "integrationId" in stolen.json()["details"]


def test_a_source_shows_its_group_partitions_committed_offsets_and_lag(api, headers, company, kafka_bootstrap):
    from confluent_kafka import Producer

    kafka = make_kafka(company, kafka_bootstrap)
    topic = topic_name("in")
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    for _ in range(3):
        producer.produce(topic, key=b"k", value=b"{}")
        producer.flush(20)  # one batch each: with three in one batch Tansu reported a lag of 1 (its high watermark)
    created = api.post(
        "/api/v1/event-sources",
        {"integrationId": str(kafka.id), "topics": [topic], "eventType": "order.created", "groupId": "g-1"},
        format="json",
        **headers,
    )
    detail = api.get(f"/api/v1/event-sources/{created.json()['id']}", **headers).json()
    assert detail["groupId"] == "g-1" and detail["groupError"] is None
    assert sum(p["lag"] for p in detail["partitions"]) == 3
    assert {p["committedOffset"] for p in detail["partitions"]} == {None}


def test_scopes_guard_reads_and_writes(api, make_key, company):
    reader = make_key(company, scopes=["events:read"])
    assert api.get("/api/v1/events", **reader).status_code == 200
    denied = api.post("/api/v1/events", {"eventType": "order.created", "data": {}}, format="json", **reader)
    assert denied.status_code == 403 and denied.json()["details"]["requiredScopes"] == ["events:write"]


def test_bootstrap_servers_on_private_addresses_are_refused_without_the_development_switch(settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = False
    for servers in ("127.0.0.1:9092", "10.0.0.5:9092", "localhost:9092", "169.254.169.254:9092"):
        with pytest.raises(kafka_provider.KafkaConfigError, match="non-public|metadata"):
            kafka_provider.client_config({"bootstrapServers": servers})
    result = kafka_provider.check({"bootstrapServers": "8.8.8.8:9092,192.168.1.1:9092"})
    assert result.status == "error" and "192.168.1.1" in result.error
    with pytest.raises(kafka_provider.KafkaConfigError):
        kafka_provider.client_config({"bootstrapServers": "http://user:pw@host:9092"})


def test_the_kafka_check_reads_the_cluster_metadata(kafka_bootstrap):
    assert kafka_provider.check({"bootstrapServers": kafka_bootstrap}).status == "healthy"
    assert kafka_provider.client_config({"bootstrapServers": kafka_bootstrap})["bootstrap.servers"] == kafka_bootstrap
