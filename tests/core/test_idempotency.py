"""One Idempotency-Key mechanism: parsing, fingerprint, replay, 422 on reuse — the same on every write."""

from decimal import Decimal

import pytest

from core import idempotency
from tests.orders.conftest import order_body

ORDERS = "/api/v1/orders"
MESSAGES = "/api/v1/messages/sms"


def test_the_fingerprint_ignores_key_order_and_spacing():
    assert idempotency.fingerprint({"a": 1, "b": [1, 2]}) == idempotency.fingerprint({"b": [1, 2], "a": 1})
    assert idempotency.fingerprint({"a": 1}) != idempotency.fingerprint({"a": 2})
    assert len(idempotency.fingerprint({"amount": Decimal("1.50")})) == 64


@pytest.fixture
def order_headers(make_key, company):
    return make_key(company, scopes=["orders:read", "orders:write"])


@pytest.fixture
def sender_headers(make_key, company):
    return make_key(company, scopes=["messages:send"])


@pytest.mark.parametrize("key", ["k" * 256, "naïve-key", "tab\tkey"])
def test_a_key_too_long_or_not_printable_ascii_answers_400_naming_the_header(api, order_headers, key):
    response = api.post(ORDERS, order_body(), format="json", HTTP_IDEMPOTENCY_KEY=key, **order_headers)
    assert response.status_code == 400
    assert "idempotencyKey" in response.json()["details"]


def test_orders_and_messages_answer_a_reused_key_the_same_way(api, order_headers, sender_headers):
    # given: one key used on each resource
    first_order = api.post(ORDERS, order_body(), format="json", HTTP_IDEMPOTENCY_KEY="same", **order_headers)
    first_message = api.post(
        MESSAGES, {"to": "+14155550123", "message": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="same", **sender_headers
    )
    # when: each is repeated with another body
    order = api.post(ORDERS, order_body(notes="other"), format="json", HTTP_IDEMPOTENCY_KEY="same", **order_headers)
    message = api.post(
        MESSAGES, {"to": "+14155550123", "message": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="same", **sender_headers
    )
    # then: 422 naming the first resource, and the same message
    assert (order.status_code, message.status_code) == (422, 422)
    assert order.json()["details"]["orderId"] == first_order.json()["id"]
    assert message.json()["details"]["messageId"] == first_message.json()["id"]
    assert order.json()["message"] == message.json()["message"]


def test_a_repeat_replays_the_first_result_with_the_replayed_header(api, sender_headers):
    body = {"to": "+14155550123", "message": "Hello"}
    first = api.post(MESSAGES, body, format="json", HTTP_IDEMPOTENCY_KEY="m-1", **sender_headers)
    again = api.post(MESSAGES, body, format="json", HTTP_IDEMPOTENCY_KEY="m-1", **sender_headers)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first


def test_a_message_without_a_key_is_stored_with_an_empty_key_and_shown_as_null(api, sender_headers):
    from messaging.models import Message

    # given: two keyless messages (the unique key constraint ignores "")
    for text in ("one", "two"):
        assert api.post(MESSAGES, {"to": "+14155550123", "message": text}, format="json", **sender_headers).status_code
    # then
    assert list(Message.objects.values_list("idempotency_key", flat=True)) == ["", ""]
    listed = api.get("/api/v1/messages", **sender_headers).json()["messages"]
    assert [m["idempotencyKey"] for m in listed] == [None, None]


def test_the_schema_documents_the_one_header_on_every_repeat_safe_write(api, owner_headers):
    schema = api.get("/api/schema/?format=json", **owner_headers).json()
    paths = {path.rstrip("/"): item for path, item in schema["paths"].items()}
    descriptions = set()
    for path in ("/api/v1/orders", "/api/v1/payments", "/api/v1/messages/sms", "/api/v1/payments/{id}/refunds"):
        headers = [p for p in paths[path]["post"]["parameters"] if p["in"] == "header"]
        assert [h["name"] for h in headers] == ["Idempotency-Key"], path
        descriptions.add(headers[0]["description"])
    assert len(descriptions) == 1
