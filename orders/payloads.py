"""The order as the API and the order events show it: plain functions, no serializer and no service.

orders.serializers renders responses with them and orders.publishing builds event data with
them, so publishing (called by orders.services) never imports the serializers, which import
the services' input types: that cycle is why this module exists.
"""

from typing import Any

from djangorestframework_camel_case.util import camelize

from config.api.fields import isoformat_ms
from core import money
from orders.models import Order, OrderItem


def render_item(item: OrderItem, currency: str) -> dict[str, Any]:
    """Return an order line as the API shows it (snake_case; the renderer camelizes)."""
    return {
        "id": item.id,
        "product_id": item.product_id,
        "sku": item.sku,
        "external_product_id": item.external_product_id,
        "name": item.name,
        "quantity": item.quantity,
        "unit_price": money.as_str(item.unit_price, currency),
        "modifiers": item.modifiers,
        "line_total": money.as_str(item.line_total, currency),
        "notes": item.notes,
    }


def render_order(order: Order) -> dict[str, Any]:
    """Return the order as the API shows it, rendering it once per instance state."""
    cached = order.__dict__.get("_rendered")
    if cached is not None and cached[0] == (order.status, order.updated_at):
        return cached[1]
    currency = order.currency
    data = {
        "id": str(order.id),
        "provider": order.provider,
        "external_order_id": order.external_order_id,
        "branch_id": order.branch_id,
        "order_type": order.order_type,
        "status": order.status,
        "allowed_next_statuses": order.allowed_next(),
        "customer_id": str(order.customer_id) if order.customer_id else None,
        "customer_name": order.customer_name,
        "customer_phone": order.customer_phone,
        "delivery_address": order.delivery_address,
        "notes": order.notes,
        "currency": currency,
        "items": [render_item(item, currency) for item in order.items.all()],
        "subtotal": money.as_str(order.subtotal, currency),
        "delivery_fee": money.as_str(order.delivery_fee, currency),
        "tax": money.as_str(order.tax, currency),
        "discount": money.as_str(order.discount, currency),
        "tip": money.as_str(order.tip, currency),
        "total": money.as_str(order.total, currency),
        "metadata": order.metadata,
        "placed_at": isoformat_ms(order.placed_at),
        "status_changed_at": isoformat_ms(order.status_changed_at),
        "created_at": isoformat_ms(order.created_at),
        "updated_at": isoformat_ms(order.updated_at),
    }
    order.__dict__["_rendered"] = ((order.status, order.updated_at), data)
    return data


def order_event_payload(order: Order, items: list[OrderItem] | None = None) -> dict[str, Any]:
    """Return the event data: the order as the API renders it, flat, with `orderId` (the catalog's shape)."""
    if items is not None:
        order._prefetched_objects_cache = {"items": items}  # no query for lines we hold already
    data = dict(camelize(render_order(order), ignore_fields=("metadata",)))
    data["orderId"] = data.pop("id")
    return data
