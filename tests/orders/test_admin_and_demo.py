"""The orders admin (inlines, filters, status actions through the machine) and the demo seed."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from orders import demo
from orders.models import Order, OrderEvent, Product

pytestmark = pytest.mark.django_db


def test_the_order_page_shows_items_and_history_inline(staff_client, make_order):
    order = make_order()

    response = staff_client.get(f"/admin/orders/order/{order.id}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Soup" in html  # the item
    assert "created" in html  # the history entry


def test_the_order_list_filters_by_status_and_provider(staff_client, make_order, company):
    make_order()

    response = staff_client.get("/admin/orders/order/", {"status__exact": "pending", "provider__exact": "talabat"})

    assert response.status_code == 200
    assert "T-1" in response.content.decode()


def test_the_status_action_moves_legal_orders_and_reports_illegal_ones(staff_client, make_order, company):
    # given
    pending = make_order()
    on_site = make_order(order_type="pickup")
    on_site.status = "ready"  # stage it directly: the admin action is what is under test
    on_site.save(update_fields=["status"])

    # when
    response = staff_client.post(
        "/admin/orders/order/",
        {"action": "mark_out_for_delivery", ACTION_CHECKBOX_NAME: [str(on_site.id)]},
        follow=True,
    )
    confirm = staff_client.post(
        "/admin/orders/order/", {"action": "mark_confirmed", ACTION_CHECKBOX_NAME: [str(pending.id)]}, follow=True
    )

    # then
    assert Order.objects.get(pk=on_site.id).status == "ready"
    assert "allowed next: completed, cancelled" in response.content.decode()
    assert Order.objects.get(pk=pending.id).status == "confirmed"
    assert "1 order(s) moved to confirmed" in confirm.content.decode()
    assert OrderEvent.objects.filter(order=pending, actor="admin:ops").count() == 1


def test_the_demo_seed_creates_varied_orders_once(company):
    demo.seed(company)
    demo.seed(company)

    assert Product.objects.filter(company=company).count() == len(demo.MENU)
    assert Order.objects.filter(company=company).count() == len(demo.ORDERS)
    statuses = set(Order.objects.filter(company=company).values_list("status", flat=True))
    assert {"pending", "preparing", "out_for_delivery", "completed", "cancelled", "rejected"} <= statuses
