"""The five order endpoints: create (idempotent), get, list, status, events; scopes and tenancy."""

import pytest

from orders.models import Customer, Order, OrderEvent
from tests.orders.conftest import order_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders"


def test_it_creates_an_order_with_computed_totals(api, order_headers, company):
    # when
    response = api.post(URL, order_body(), format="json", **order_headers)

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["subtotal"] == "27.00"
    assert body["total"] == "34.00"
    assert body["customerPhone"] == "+971501234567"
    assert body["allowedNextStatuses"] == ["confirmed", "cancelled", "rejected"]
    assert [i["lineTotal"] for i in body["items"]] == ["19.00", "8.00"]
    assert body["items"][1]["modifiers"] == [{"name": "large", "price": "2.00", "quantity": 1}]
    assert body["createdAt"].endswith("Z") and len(body["createdAt"]) == 24
    order = Order.objects.get(pk=body["id"])
    assert order.company_id == company.id
    assert Customer.objects.get(company=company, phone="+971501234567").name == "John Doe"
    assert list(order.events.values_list("kind", "to_status")) == [("created", "pending")]


def test_it_prices_items_from_the_catalog_by_product_id(api, order_headers, burger):
    # given
    body = order_body(
        items=[{"productId": burger.id, "quantity": 2, "modifiers": ["extra-cheese"]}], total=None, deliveryFee="0"
    )

    # when
    response = api.post(URL, body, format="json", **order_headers)

    # then
    assert response.status_code == 201, response.content
    item = response.json()["items"][0]
    assert (item["productId"], item["sku"], item["unitPrice"], item["lineTotal"]) == (
        burger.id,
        "BRG-CLS",
        "32.00",
        "64.00",
    )


def test_it_answers_400_naming_the_computed_total_on_a_mismatch(api, order_headers):
    # when
    response = api.post(URL, order_body(total="35.00"), format="json", **order_headers)

    # then
    assert response.status_code == 400
    body = response.json()
    assert "34.00" in body["details"]["total"]
    assert Order.objects.count() == 0


def test_it_rejects_an_invalid_phone_and_normalizes_a_valid_one(api, order_headers):
    # when
    bad = api.post(URL, order_body(customerPhone="12345"), format="json", **order_headers)
    good = api.post(URL, order_body(customerPhone="+971 50 123 4567"), format="json", **order_headers)

    # then
    assert bad.status_code == 400
    assert "customerPhone" in bad.json()["details"]
    assert good.status_code == 201
    assert good.json()["customerPhone"] == "+971501234567"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"orderType": "takeaway"}, "orderType"),
        ({"items": []}, "items"),
        ({"branchId": ""}, "branchId"),
        ({"deliveryAddress": ""}, "deliveryAddress"),
        ({"items": [{"productId": 999999, "quantity": 1}]}, "items[0].productId"),
        ({"items": [{"name": "Mystery", "quantity": 1}]}, "items[0].unitPrice"),
        ({"currency": "KWD", "total": "34.0001"}, "total"),
    ],
)
def test_it_answers_400_with_field_details_for_bad_input(api, order_headers, override, field):
    # when
    response = api.post(URL, order_body(**override), format="json", **order_headers)

    # then
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "Bad Request"
    assert field in response.json()["details"]


def test_an_invalid_order_type_names_the_allowed_values(api, order_headers):
    response = api.post(URL, order_body(orderType="takeaway"), format="json", **order_headers)

    assert "delivery, pickup, dine_in" in response.json()["details"]["orderType"][0]


def test_a_repeat_with_the_same_idempotency_key_returns_the_first_order(api, order_headers):
    # given
    first = api.post(URL, order_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1", **order_headers)

    # when
    again = api.post(URL, order_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1", **order_headers)

    # then
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert OrderEvent.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_answers_422(api, order_headers):
    # given
    first = api.post(URL, order_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-2", **order_headers)

    # when
    other = api.post(
        URL,
        order_body(externalOrderId="UE-2", notes="different"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
        **order_headers,
    )

    # then
    assert other.status_code == 422
    assert other.json()["details"]["orderId"] == first.json()["id"]
    assert Order.objects.count() == 1


def test_the_same_external_order_id_answers_409_with_the_existing_order_id(api, order_headers):
    # given
    first = api.post(URL, order_body(), format="json", **order_headers)

    # when
    again = api.post(URL, order_body(notes="resent"), format="json", **order_headers)

    # then
    assert again.status_code == 409
    assert again.json()["details"]["orderId"] == first.json()["id"]
    assert Order.objects.count() == 1


def test_the_same_external_id_from_another_provider_is_another_order(api, order_headers):
    api.post(URL, order_body(), format="json", **order_headers)

    response = api.post(URL, order_body(provider="careem"), format="json", **order_headers)

    assert response.status_code == 201


def test_it_gets_an_order_and_answers_404_for_another_companys(api, order_headers, make_key, other_company):
    # given
    order_id = api.post(URL, order_body(), format="json", **order_headers).json()["id"]
    outsider = make_key(other_company, scopes=["orders:read", "orders:write"])

    # when
    mine = api.get(f"{URL}/{order_id}", **order_headers)
    theirs = api.get(f"{URL}/{order_id}", **outsider)
    theirs_status = api.put(f"{URL}/{order_id}/status", {"status": "confirmed"}, format="json", **outsider)
    theirs_events = api.get(f"{URL}/{order_id}/events", **outsider)

    # then
    assert mine.status_code == 200
    assert mine.json()["externalOrderId"] == "UE-100234"
    assert theirs.status_code == theirs_status.status_code == theirs_events.status_code == 404
    assert theirs.json()["message"] == "Order not found."
    assert Order.objects.get(pk=order_id).status == "pending"


def test_an_unknown_order_id_answers_404(api, order_headers):
    response = api.get(f"{URL}/00000000-0000-0000-0000-000000000000", **order_headers)

    assert response.status_code == 404


def test_it_requires_the_order_scopes(api, make_key, company):
    # given
    reader = make_key(company, scopes=["orders:read"])
    nobody = make_key(company, scopes=["logs:read"])

    # when
    create = api.post(URL, order_body(), format="json", **reader)
    listing = api.get(URL, **nobody)
    anonymous = api.get(URL)

    # then
    assert create.status_code == 403
    assert create.json()["requiredScopes"] == ["orders:write"]
    assert listing.status_code == 403
    assert anonymous.status_code == 401


def test_a_jwt_owner_can_create_and_list(api, owner_headers):
    created = api.post(URL, order_body(), format="json", **owner_headers)
    listing = api.get(URL, **owner_headers)

    assert created.status_code == 201
    assert listing.json()["pagination"]["total"] == 1


def test_it_lists_with_filters_and_pagination(api, order_headers, make_key, other_company, make_order):
    # given
    a = make_order()
    b = make_order(order_type="pickup")
    api.put(f"{URL}/{b.id}/status", {"status": "confirmed"}, format="json", **order_headers)
    outsider = make_key(other_company)
    make_order(company_obj=other_company)

    # when
    everything = api.get(URL, **order_headers).json()
    confirmed = api.get(URL, {"status": "confirmed"}, **order_headers).json()
    by_external = api.get(URL, {"externalOrderId": a.external_order_id}, **order_headers).json()
    by_provider = api.get(URL, {"provider": "shopify"}, **order_headers).json()
    by_branch = api.get(URL, {"branchId": "branch-1", "orderType": "pickup"}, **order_headers).json()
    paged = api.get(URL, {"limit": 1, "page": 2}, **order_headers).json()
    future = api.get(URL, {"startDate": "2999-01-01"}, **order_headers).json()
    today = api.get(URL, {"endDate": a.created_at.date().isoformat()}, **order_headers).json()
    theirs = api.get(URL, **outsider).json()

    # then
    assert everything["pagination"]["total"] == 2
    assert [o["id"] for o in confirmed["orders"]] == [str(b.id)]
    assert [o["id"] for o in by_external["orders"]] == [str(a.id)]
    assert by_provider["orders"] == []
    assert [o["id"] for o in by_branch["orders"]] == [str(b.id)]
    assert paged["pagination"] == {
        "page": 2,
        "limit": 1,
        "total": 2,
        "totalPages": 2,
        "hasNext": False,
        "hasPrev": True,
    }
    assert paged["orders"][0]["id"] == str(a.id)  # newest first
    assert future["orders"] == []
    assert today["pagination"]["total"] == 2
    assert theirs["pagination"]["total"] == 1


def test_an_invalid_list_filter_answers_400_naming_the_allowed_values(api, order_headers):
    response = api.get(URL, {"status": "lost"}, **order_headers)

    assert response.status_code == 400
    assert "pending, confirmed" in response.json()["details"]["status"][0]


def test_status_update_moves_the_order_and_records_who_and_why(api, order_headers, make_order):
    # given
    order = make_order()

    # when
    response = api.put(
        f"{URL}/{order.id}/status", {"status": "confirmed", "reason": "kitchen open"}, format="json", **order_headers
    )
    events = api.get(f"{URL}/{order.id}/events", **order_headers).json()

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert response.json()["allowedNextStatuses"] == ["preparing", "cancelled"]
    assert [(e["fromStatus"], e["toStatus"], e["kind"]) for e in events["events"]] == [
        ("", "pending", "created"),
        ("pending", "confirmed", "status_changed"),
    ]
    assert events["events"][1]["reason"] == "kitchen open"
    assert events["events"][1]["actor"].startswith("api_key:")
    assert events["events"][1]["time"].endswith("Z")
    assert events["pagination"]["total"] == 2


def test_an_illegal_status_update_answers_409_naming_the_allowed_next_states(api, order_headers, make_order):
    # given
    order = make_order()

    # when
    response = api.put(f"{URL}/{order.id}/status", {"status": "delivered"}, format="json", **order_headers)

    # then
    assert response.status_code == 409
    body = response.json()
    assert body["details"]["allowed"] == ["confirmed", "cancelled", "rejected"]
    assert "confirmed, cancelled, rejected" in body["message"]
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_a_stale_expected_status_answers_409(api, order_headers, make_order):
    # given
    order = make_order()
    api.put(f"{URL}/{order.id}/status", {"status": "confirmed"}, format="json", **order_headers)

    # when
    response = api.put(
        f"{URL}/{order.id}/status",
        {"status": "cancelled", "expectedStatus": "pending"},
        format="json",
        **order_headers,
    )

    # then
    assert response.status_code == 409
    assert Order.objects.get(pk=order.id).status == "confirmed"


def test_status_update_rejects_an_unknown_status(api, order_headers, make_order):
    order = make_order()

    response = api.put(f"{URL}/{order.id}/status", {"status": "eaten"}, format="json", **order_headers)

    assert response.status_code == 400
    assert "allowed values" in response.json()["details"]["status"][0]


def test_the_rendered_order_has_exactly_the_fields_the_schema_declares(make_order):
    # given
    from orders.serializers import OrderItemSerializer, OrderSerializer

    order = make_order()

    # when
    data = OrderSerializer(order).data

    # then
    assert list(data) == list(OrderSerializer().fields)
    assert list(data["items"][0]) == list(OrderItemSerializer().fields)


def test_another_companys_product_cannot_be_ordered(api, order_headers, other_company):
    # given
    from decimal import Decimal

    from orders import services

    theirs = services.product_upsert(company_id=other_company.id, sku="X-1", name="Theirs", price=Decimal("5.00"))

    # when
    response = api.post(
        URL, order_body(items=[{"productId": theirs.id, "quantity": 1}], total=None), format="json", **order_headers
    )

    # then
    assert response.status_code == 400
    assert "items[0].productId" in response.json()["details"]


def test_an_order_too_large_to_store_answers_400_not_500(api, order_headers):
    body = order_body(items=[{"name": "Gold", "quantity": 10_000, "unitPrice": "99999999999.00"}], total=None)

    response = api.post(URL, body, format="json", **order_headers)

    assert response.status_code == 400
    assert "total" in response.json()["details"]


def test_customer_upsert_keeps_one_row_per_phone_and_keeps_a_known_name(company):
    from orders import services

    first = services.customer_upsert(company_id=company.id, phone="+971501234567", name="John Doe")
    again = services.customer_upsert(company_id=company.id, phone="+971501234567", email="john@example.com")

    assert again.id == first.id
    stored = Customer.objects.get(pk=first.id)
    assert (stored.name, stored.email) == ("John Doe", "john@example.com")


def test_an_unparseable_date_filter_answers_400(api, order_headers):
    response = api.get(URL, {"startDate": "yesterday"}, **order_headers)

    assert response.status_code == 400
    assert "startDate" in response.json()["details"]
