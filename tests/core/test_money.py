"""Money: minor units from Babel's currency data, ISO 4217 codes validated, three decimals kept."""

from decimal import Decimal

import pytest

from core import money
from tests.orders.conftest import order_body


@pytest.mark.parametrize(("code", "units"), [("USD", 2), ("AED", 2), ("KWD", 3), ("BHD", 3), ("OMR", 3), ("JPY", 0)])
def test_minor_units_come_from_the_currency_table(code, units):
    assert money.minor_units(code) == units


def test_a_third_decimal_is_kept_for_three_decimal_currencies():
    assert money.as_str(Decimal("1.235"), "KWD") == "1.235"
    assert money.fits(Decimal("1.235"), "BHD")
    assert not money.fits(Decimal("1.235"), "USD")


@pytest.mark.parametrize("raw", ["XYZ", "US", "usdx", "", "€€€"])
def test_a_code_that_is_not_iso_4217_is_refused(raw):
    with pytest.raises(money.InvalidCurrency, match="ISO 4217"):
        money.currency_code(raw)


def test_a_code_is_normalised_to_upper_case():
    assert money.currency_code(" kwd ") == "KWD"


@pytest.fixture
def order_headers(make_key, company):
    return make_key(company, scopes=["orders:read", "orders:write"])


def test_an_order_in_xyz_answers_400_naming_the_currency(api, order_headers):
    response = api.post("/api/v1/orders", order_body(currency="XYZ"), format="json", **order_headers)
    assert response.status_code == 400
    assert "currency" in response.json()["details"]
    assert response.json()["message"].startswith("The request is invalid: currency:")


def test_a_kwd_order_keeps_its_third_decimal(api, order_headers):
    body = order_body(
        currency="KWD",
        items=[{"name": "Tea", "quantity": 1, "unitPrice": "1.125"}],
        deliveryFee="0.250",
        total="1.375",
    )
    response = api.post("/api/v1/orders", body, format="json", **order_headers)
    assert response.status_code == 201, response.content
    assert (response.json()["subtotal"], response.json()["total"]) == ("1.125", "1.375")


def test_a_payment_in_xyz_answers_400_naming_the_currency(api, make_key, company):
    headers = make_key(company, scopes=["payments:read", "payments:write"])
    body = {"gateway": "stripe", "amount": "10.00", "currency": "XYZ", "paymentMethodId": "pm_card_visa"}
    response = api.post("/api/v1/payments", body, format="json", **headers)
    assert response.status_code == 400
    assert "currency" in response.json()["details"]
