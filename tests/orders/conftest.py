"""Fixtures of the orders tests: keys with order scopes, products, a valid order body."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from orders.models import Order, Product
from tests.support.factories import OrderFactory, ProductFactory


@pytest.fixture
def order_headers(make_key, company) -> dict[str, str]:
    return make_key(company, scopes=["orders:read", "orders:write"])


@pytest.fixture
def burger(company) -> Product:
    return ProductFactory(company=company, sku="BRG-CLS", name="Classic burger", price=Decimal("32.00"))


def order_body(**overrides: Any) -> dict[str, Any]:
    """Return a valid create-order body (source API 002 shape plus prices), camelCase as partners send it."""
    body: dict[str, Any] = {
        "externalOrderId": "UE-100234",
        "provider": "ubereats",
        "branchId": "branch-123",
        "orderType": "delivery",
        "items": [
            {"sku": "FRIES", "name": "Fries", "quantity": 2, "unitPrice": "9.50", "modifiers": ["extra-salt"]},
            {
                "name": "Cola",
                "quantity": 1,
                "unitPrice": "6.00",
                "modifiers": [{"name": "large", "price": "2.00"}],
            },
        ],
        "customerName": "John Doe",
        "customerPhone": "+971501234567",
        "deliveryAddress": "123 Main St, Dubai",
        "currency": "AED",
        "deliveryFee": "7.00",
        "total": "34.00",
    }
    body.update(overrides)
    return body


@pytest.fixture
def make_order(company) -> Callable[..., Order]:
    """Create an order through the service (status pending)."""
    counter = iter(range(1, 10_000))

    def make(order_type: str = "delivery", company_obj=None, **fields: Any) -> Order:
        fields.setdefault("external_order_id", f"T-{next(counter)}")
        return OrderFactory(company=company_obj or company, order_type=order_type, **fields)

    return make
