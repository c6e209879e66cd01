"""Products and customers API (CRUD, input, tenancy, scopes, filters); order items naming products by SKU or id."""

from decimal import Decimal

import pytest

from orders import services
from orders.models import Customer, Product
from tests.orders.conftest import order_body

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"
CUSTOMERS = "/api/v1/customers"


@pytest.fixture
def read_headers(make_key, company) -> dict[str, str]:
    return make_key(company, scopes=["orders:read"])


# --- products ----------------------------------------------------------------------------------


def test_it_creates_reads_and_updates_a_product(api, order_headers, company):
    # when
    created = api.post(
        PRODUCTS,
        {"sku": "BRG-CLS", "name": "Classic burger", "price": "32.5", "currency": "aed"},
        format="json",
        **order_headers,
    )

    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["sku"], body["price"], body["currency"], body["active"]) == ("BRG-CLS", "32.50", "AED", True)
    assert body["createdAt"].endswith("Z")
    assert Product.objects.get(pk=body["id"]).company_id == company.id

    # when
    url = f"{PRODUCTS}/{body['id']}"
    patched = api.patch(url, {"active": False, "price": "30.00"}, format="json", **order_headers)
    put = api.put(
        url, {"sku": "BRG-2", "name": "Burger", "price": "31.00", "currency": "AED"}, format="json", **order_headers
    )
    got = api.get(url, **order_headers)

    # then
    assert patched.status_code == 200, patched.content
    assert (patched.json()["active"], patched.json()["price"], patched.json()["name"]) == (
        False,
        "30.00",
        "Classic burger",
    )
    assert put.status_code == 200, put.content
    assert (got.json()["sku"], got.json()["name"], got.json()["price"]) == ("BRG-2", "Burger", "31.00")


def test_a_duplicate_sku_answers_409_naming_the_existing_product(api, order_headers, burger):
    # when
    created = api.post(PRODUCTS, {"sku": "BRG-CLS", "name": "Again", "price": "1.00"}, format="json", **order_headers)
    other = api.post(PRODUCTS, {"sku": "OTHER", "name": "Other"}, format="json", **order_headers)
    renamed = api.patch(f"{PRODUCTS}/{other.json()['id']}", {"sku": "BRG-CLS"}, format="json", **order_headers)

    # then
    for response in (created, renamed):
        assert response.status_code == 409, response.content
        body = response.json()
        assert body["details"] == {"sku": "BRG-CLS", "productId": burger.id}
        assert body["statusCode"] == 409 and "BRG-CLS" in body["message"]
    assert Product.objects.get(pk=other.json()["id"]).sku == "OTHER"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sku": "A"}, "name"),
        ({"name": "A", "price": "-1"}, "price"),
        ({"name": "A", "price": "abc"}, "price"),
        ({"name": "A", "price": "1.001", "currency": "USD"}, "price"),
        ({"name": "A", "currency": "XXQ"}, "currency"),
        ({"name": "A", "active": "maybe"}, "active"),
        ({"name": "A", "sku": "x" * 101}, "sku"),
    ],
)
def test_invalid_product_input_answers_400_naming_the_field(api, order_headers, payload, field):
    # when
    response = api.post(PRODUCTS, payload, format="json", **order_headers)

    # then
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"statusCode", "error", "message", "details"}
    assert field in body["details"]
    assert not Product.objects.exists()


def test_another_companys_product_is_not_found(api, order_headers, other_company):
    # given
    theirs = services.product_create(company_id=other_company.id, sku="X-1", name="Theirs", price=Decimal("5.00"))

    # when
    got = api.get(f"{PRODUCTS}/{theirs.id}", **order_headers)
    patched = api.patch(f"{PRODUCTS}/{theirs.id}", {"name": "Mine"}, format="json", **order_headers)
    listed = api.get(PRODUCTS, **order_headers)

    # then
    for response in (got, patched):
        assert response.status_code == 404
        assert response.json()["message"] == "Product not found."
    assert listed.json()["products"] == []
    assert Product.objects.get(pk=theirs.id).name == "Theirs"


def test_a_key_without_orders_write_may_read_but_not_write(api, read_headers, make_key, company, burger):
    # given
    no_scope = make_key(company, scopes=["payments:read"])

    # when
    listed = api.get(PRODUCTS, **read_headers)
    created = api.post(PRODUCTS, {"name": "New"}, format="json", **read_headers)
    patched = api.patch(f"{PRODUCTS}/{burger.id}", {"name": "New"}, format="json", **read_headers)
    unread = api.get(PRODUCTS, **no_scope)
    customer = api.post(CUSTOMERS, {"phone": "+971501234567"}, format="json", **read_headers)

    # then
    assert listed.status_code == 200
    assert [r.status_code for r in (created, patched, unread, customer)] == [403, 403, 403, 403]
    assert not Product.objects.filter(name="New").exists()
    assert not Customer.objects.exists()


def test_products_list_filters_and_paginates(api, read_headers, company, other_company):
    # given
    services.product_create(company_id=company.id, sku="BRG-CLS", name="Classic Burger", price=Decimal("32"))
    services.product_create(company_id=company.id, sku="BRG-VEG", name="Veggie burger", is_active=False)
    services.product_create(company_id=company.id, sku="FRIES", name="Fries")
    services.product_create(company_id=other_company.id, sku="BRG-OTHER", name="Their burger")

    def names(query: str) -> list[str]:
        response = api.get(f"{PRODUCTS}?{query}", **read_headers)
        assert response.status_code == 200, response.content
        return [p["name"] for p in response.json()["products"]]

    # then
    assert names("") == ["Classic Burger", "Fries", "Veggie burger"]
    assert names("name=BURGER") == ["Classic Burger", "Veggie burger"]
    assert names("sku=FRIES") == ["Fries"]
    assert names("active=false") == ["Veggie burger"]
    assert names("name=burger&active=true") == ["Classic Burger"]
    assert names("startDate=2000-01-01&endDate=2000-01-02") == []
    page = api.get(f"{PRODUCTS}?limit=2&page=2", **read_headers).json()
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2, "hasNext": False, "hasPrev": True}
    bad = api.get(f"{PRODUCTS}?startDate=yesterday", **read_headers)
    assert bad.status_code == 400 and "startDate" in bad.json()["details"]


# --- customers ---------------------------------------------------------------------------------


def test_it_creates_a_customer_with_a_normalised_phone_and_updates_it(api, order_headers, company):
    # when
    created = api.post(
        CUSTOMERS,
        {"name": "John Doe", "phone": "+971 50 123 4567", "email": "john@example.com"},
        format="json",
        **order_headers,
    )

    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["phone"], body["name"], body["email"]) == ("+971501234567", "John Doe", "john@example.com")

    # when
    url = f"{CUSTOMERS}/{body['id']}"
    patched = api.patch(url, {"phone": "+971 50 765 4321"}, format="json", **order_headers)
    put = api.put(url, {"name": "Jane", "phone": "+971507654321"}, format="json", **order_headers)

    # then
    assert patched.status_code == 200 and patched.json()["phone"] == "+971507654321"
    assert put.status_code == 200 and put.json()["name"] == "Jane"
    assert api.get(url, **order_headers).json()["email"] == "john@example.com"


def test_customer_errors_are_400_409_and_404(api, order_headers, company, other_company):
    # given
    mine = services.customer_create(company_id=company.id, phone="+971501234567", name="Mine")
    theirs = services.customer_create(company_id=other_company.id, phone="+971501234567", name="Theirs")

    # when
    invalid_phone = api.post(CUSTOMERS, {"phone": "12"}, format="json", **order_headers)
    invalid_email = api.post(CUSTOMERS, {"phone": "+971507654321", "email": "nope"}, format="json", **order_headers)
    duplicate = api.post(CUSTOMERS, {"phone": "+971 50 123 4567"}, format="json", **order_headers)
    foreign = api.get(f"{CUSTOMERS}/{theirs.id}", **order_headers)
    foreign_put = api.put(f"{CUSTOMERS}/{theirs.id}", {"phone": "+971501234567"}, format="json", **order_headers)

    # then
    assert invalid_phone.status_code == 400 and "phone" in invalid_phone.json()["details"]
    assert invalid_email.status_code == 400 and "email" in invalid_email.json()["details"]
    assert duplicate.status_code == 409
    assert duplicate.json()["details"] == {"phone": "+971501234567", "customerId": str(mine.id)}
    for response in (foreign, foreign_put):
        assert response.status_code == 404 and response.json()["message"] == "Customer not found."
    assert Customer.objects.get(pk=theirs.id).name == "Theirs"


def test_customers_list_filters_by_email_and_phone(api, read_headers, company, other_company):
    # given
    services.customer_create(company_id=company.id, phone="+971501234567", name="John", email="john@example.com")
    services.customer_create(company_id=company.id, phone="+971507654321", name="Jane", email="jane@example.com")
    services.customer_create(company_id=other_company.id, phone="+971500000001", name="Theirs")

    def names(query: str) -> list[str]:
        response = api.get(f"{CUSTOMERS}?{query}", **read_headers)
        assert response.status_code == 200, response.content
        return [c["name"] for c in response.json()["customers"]]

    # then
    assert names("") == ["Jane", "John"]
    assert names("email=JOHN@example.com") == ["John"]
    assert names("phone=%2B971%2050%20765%204321") == ["Jane"]
    assert names("phone=garbage") == []
    assert names("endDate=2000-01-01") == []


# --- order items naming a product ------------------------------------------------------------


def test_an_order_item_may_name_its_product_by_the_partners_id_matching_a_sku(api, order_headers, company):
    # given
    product = services.product_create(company_id=company.id, sku="product-456", name="Burger", price=Decimal("12.00"))
    body = order_body(items=[{"productId": "product-456", "quantity": 2, "modifiers": ["extra-cheese"]}], total=None)

    # when
    response = api.post("/api/v1/orders", body, format="json", **order_headers)

    # then
    assert response.status_code == 201, response.content
    item = response.json()["items"][0]
    assert (item["productId"], item["sku"], item["name"], item["unitPrice"], item["lineTotal"]) == (
        product.id,
        "product-456",
        "Burger",
        "12.00",
        "24.00",
    )


def test_an_unknown_partner_product_id_is_kept_as_the_items_external_id(api, order_headers):
    # given
    priced = order_body(items=[{"productId": "product-456", "quantity": 1, "unitPrice": "5.00"}], total=None)
    unpriced = order_body(externalOrderId="UE-2", items=[{"productId": "product-456", "quantity": 1}], total=None)

    # when
    created = api.post("/api/v1/orders", priced, format="json", **order_headers)
    refused = api.post("/api/v1/orders", unpriced, format="json", **order_headers)

    # then
    assert created.status_code == 201, created.content
    item = created.json()["items"][0]
    assert (item["productId"], item["externalProductId"], item["unitPrice"]) == (None, "product-456", "5.00")
    assert refused.status_code == 400
    assert "items[0].unitPrice" in refused.json()["details"]


def test_an_order_item_may_name_its_product_by_sku_or_by_its_id_as_a_string(api, order_headers, burger):
    # given
    body = order_body(
        items=[{"sku": "BRG-CLS", "quantity": 1}, {"productId": str(burger.id), "quantity": 1}], total=None
    )

    # when
    response = api.post("/api/v1/orders", body, format="json", **order_headers)

    # then
    assert response.status_code == 201, response.content
    assert [(i["productId"], i["unitPrice"]) for i in response.json()["items"]] == [(burger.id, "32.00")] * 2


@pytest.mark.parametrize("product_id", [0, -3, True, 1.5, {"id": 1}, "", "x" * 101, 2**63])
def test_an_unusable_product_id_answers_400_naming_it(api, order_headers, product_id):
    body = order_body(items=[{"productId": product_id, "quantity": 1, "unitPrice": "1.00"}], total=None)

    response = api.post("/api/v1/orders", body, format="json", **order_headers)

    assert response.status_code == 400, response.content
    body = response.json()
    assert "items[0].productId" in body["message"], body
    assert "productId" in body["details"]["items"][0]
