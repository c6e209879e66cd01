"""Provider orders in: real payload fixtures through the registered inbound handlers."""

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from logs.models import IntegrationLog
from orders.models import Customer, Order, OrderEvent
from tests.support.inbound import run_handlers
from tests.support.payloads import fixture_data
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def deliver(company, provider: str, topic: str, payload: dict) -> None:
    """Run every registered handler for the topic, as the inbound pipeline does."""
    run_handlers(company, provider, topic, payload)


def test_a_woocommerce_order_webhook_becomes_an_order(company):
    # when
    deliver(company, "woocommerce", "order.created", fixture_data("woocommerce", "order_created.json"))

    # then
    order = Order.objects.get(company=company, provider="woocommerce", external_order_id="5821")
    assert (order.branch_id, order.order_type, order.status, order.currency) == ("marina", "delivery", "pending", "AED")
    assert (order.subtotal, order.discount, order.delivery_fee, order.tax, order.total) == (
        Decimal("58.00"),
        Decimal("5.00"),
        Decimal("10.00"),
        Decimal("3.15"),
        Decimal("66.15"),
    )
    assert order.customer_name == "Layla Haddad"
    assert order.customer_phone == "+971501234567"  # "050 123 4567" in the UAE
    assert order.delivery_address == "Apt 1204, Marina Heights Tower, Dubai Marina, Dubai, DU, AE"
    assert order.notes == "Please ring the bell twice."
    assert order.placed_at == datetime(2025, 11, 6, 10, 30, 12, tzinfo=UTC)
    items = list(order.items.values_list("sku", "quantity", "unit_price", "external_product_id"))
    assert items == [("SHW-CHK", 2, Decimal("22.00"), "412"), ("DRK-LMN", 1, Decimal("14.00"), "430")]
    assert order.items.first().modifiers == [
        {"name": "Extra garlic sauce (+AED 2.00): Yes", "price": "0.00", "quantity": 1}
    ]
    log = IntegrationLog.objects.get(company=company)
    assert (log.integration_type, log.operation, log.status) == ("woocommerce", "import", "success")
    assert log.metadata["orderId"] == str(order.id)
    assert Event.objects.filter(company=company, type="order.created").count() == 1


def test_a_repeated_woocommerce_webhook_imports_the_order_once(company):
    payload = fixture_data("woocommerce", "order_created.json")

    deliver(company, "woocommerce", "order.created", payload)
    deliver(company, "woocommerce", "order.created", payload)

    assert Order.objects.filter(company=company).count() == 1
    assert OrderEvent.objects.filter(order__company=company).count() == 1
    assert list(IntegrationLog.objects.order_by("id").values_list("status", flat=True)) == ["success", "success"]
    assert "unchanged" in IntegrationLog.objects.order_by("id").last().message


def test_a_woocommerce_update_changes_details_and_cancels_through_the_machine(company):
    # given
    deliver(company, "woocommerce", "order.created", fixture_data("woocommerce", "order_created.json"))

    # when
    deliver(company, "woocommerce", "order.updated", fixture_data("woocommerce", "order_updated_cancelled.json"))

    # then
    order = Order.objects.get(company=company, external_order_id="5821")
    assert order.status == "cancelled"
    assert order.notes == "Customer called: cancel, ordered twice."
    history = list(order.events.values_list("kind", "from_status", "to_status", "actor"))
    assert history == [
        ("created", "", "pending", "provider:woocommerce"),
        ("updated", "pending", "pending", "provider:woocommerce"),
        ("status_changed", "pending", "cancelled", "provider:woocommerce"),
    ]
    types = set(Event.objects.filter(company=company).values_list("type", flat=True))
    assert {"order.created", "order.updated", "order.status_changed", "order.cancelled"} <= types


def test_a_woocommerce_update_for_an_unknown_order_imports_it(company):
    deliver(company, "woocommerce", "order.updated", fixture_data("woocommerce", "order_created.json"))

    assert Order.objects.filter(company=company, external_order_id="5821").exists()


def test_a_shopify_orders_create_webhook_becomes_an_order(company):
    # when
    deliver(company, "shopify", "orders/create", fixture_data("shopify", "orders_create.json"))

    # then
    order = Order.objects.get(company=company, provider="shopify")
    assert order.external_order_id == "5623498712345"
    assert (order.branch_id, order.order_type, order.currency) == ("71833452601", "delivery", "USD")
    assert (order.subtotal, order.discount, order.delivery_fee, order.tax, order.tip, order.total) == (
        Decimal("34.50"),
        Decimal("3.45"),
        Decimal("4.99"),
        Decimal("2.80"),
        Decimal("5.00"),
        Decimal("43.84"),
    )
    assert order.customer_phone == "+14155552671"
    assert order.customer_name == "Sam Rivera"
    assert order.delivery_address.startswith("500 Howard St, Suite 300, San Francisco")
    assert order.metadata["name"] == "#1042"
    items = list(order.items.values_list("sku", "quantity", "unit_price", "modifiers"))
    assert items[0] == ("PZ-MARG-L", 2, Decimal("14.00"), [{"name": "Crust: Thin", "price": "0.00", "quantity": 1}])
    assert Customer.objects.get(company=company, phone="+14155552671").email == "sam.rivera@example.com"


def test_a_shopify_order_whose_total_does_not_add_up_is_logged_as_an_error_not_imported(company):
    # given
    payload = fixture_data("shopify", "orders_create.json")
    payload["total_price"] = "99.99"

    # when
    deliver(company, "shopify", "orders/create", payload)

    # then
    assert not Order.objects.filter(company=company).exists()
    log = IntegrationLog.objects.get(company=company)
    assert (log.operation, log.status) == ("import", "error")
    assert "43.84" in log.error_details["total"]
    assert not Event.objects.filter(company=company).exists()


def test_a_delivery_partner_order_maps_modifiers_fees_and_tip(company):
    # when
    deliver(company, "ubereats", "order.created", fixture_data("ubereats", "order_created.json"))

    # then
    order = Order.objects.get(company=company, provider="ubereats", external_order_id="UE-100234")
    assert (order.subtotal, order.total) == (Decimal("84.50"), Decimal("86.50"))
    burger = order.items.get(sku="BRG-CLS")
    assert burger.modifiers == [
        {"name": "Extra cheese", "price": "3.00", "quantity": 1},
        {"name": "No pickles", "price": "0.00", "quantity": 1},
    ]
    assert burger.line_total == Decimal("70.00")
    assert order.notes == "No onions please"


def test_a_talabat_cancellation_in_kwd_keeps_three_decimals_and_cancels(company):
    # when the first thing the hub hears is the cancellation
    deliver(company, "talabat", "order.cancelled", fixture_data("talabat", "order_cancelled.json"))

    # then
    order = Order.objects.get(company=company, provider="talabat")
    assert (order.total, order.currency, order.order_type) == (Decimal("4.400"), "KWD", "pickup")
    assert order.status == "cancelled"
    assert order.customer_phone == "+96550123456"
    assert order.events.last().reason == "Customer cancelled in the talabat app"


def test_a_delivery_payload_with_an_invalid_phone_imports_without_it_and_warns(company):
    payload = copy.deepcopy(fixture_data("ubereats", "order_created.json"))
    payload["customer"]["phone"] = "call me"

    deliver(company, "ubereats", "order.created", payload)

    assert Order.objects.get(company=company).customer_phone == ""
    assert "customer phone dropped" in IntegrationLog.objects.get(company=company).metadata["warnings"][0]


def test_a_payload_missing_the_order_id_is_logged_and_not_retried(company):
    payload = fixture_data("ubereats", "order_created.json")
    del payload["orderId"]

    deliver(company, "deliveroo", "order.created", payload)  # returns: no exception, so no retry

    assert not Order.objects.exists()
    log = IntegrationLog.objects.get(company=company)
    assert (log.integration_type, log.status) == ("deliveroo", "error")


def test_orders_of_two_companies_with_the_same_external_id_stay_apart(company, other_company):
    payload = fixture_data("shopify", "orders_create.json")

    deliver(company, "shopify", "orders/create", payload)
    deliver(other_company, "shopify", "orders/create", payload)

    assert Order.objects.filter(external_order_id="5623498712345").count() == 2
    assert Order.objects.filter(company=other_company).count() == 1


def test_a_shopify_cancellation_cancels_the_imported_order(company):
    # given
    payload = fixture_data("shopify", "orders_create.json")
    deliver(company, "shopify", "orders/create", payload)

    # when
    cancelled = {**payload, "cancelled_at": "2025-11-06T09:40:00-08:00", "cancel_reason": "customer"}
    deliver(company, "shopify", "orders/cancelled", cancelled)

    # then
    order = Order.objects.get(company=company, provider="shopify")
    assert order.status == "cancelled"
    assert order.events.last().reason == "Shopify: customer"


def test_a_woocommerce_local_pickup_order_is_a_pickup_without_an_address(company):
    payload = fixture_data("woocommerce", "order_created.json")
    payload["shipping_lines"][0]["method_id"] = "local_pickup"

    deliver(company, "woocommerce", "order.created", payload)

    order = Order.objects.get(company=company)
    assert (order.order_type, order.delivery_address) == ("pickup", "")
    assert order.allowed_next() == ["confirmed", "cancelled", "rejected"]


def test_a_provider_cancellation_of_an_order_already_out_for_delivery_is_refused_and_logged(company):
    # given an imported order that has left the kitchen
    from orders import services

    deliver(company, "ubereats", "order.created", fixture_data("ubereats", "order_created.json"))
    order = Order.objects.get(company=company)
    for step in ("confirmed", "preparing", "ready", "out_for_delivery"):
        services.order_status_change(company_id=company.id, order_id=order.id, to_status=step, actor="kitchen")

    # when
    cancelled = {**fixture_data("ubereats", "order_created.json"), "status": "cancelled"}
    deliver(company, "ubereats", "order.cancelled", cancelled)

    # then
    order.refresh_from_db()
    assert order.status == "out_for_delivery"
    log = IntegrationLog.objects.order_by("id").last()
    assert "cannot be cancelled" in log.metadata["warnings"][0]
