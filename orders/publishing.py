"""The order events of source API 002, published through the outbound webhooks' transactional outbox.

Called by orders.services inside their transaction: `event_publish` writes the event and
its deliveries in that transaction and enqueues delivery on commit, so a rolled-back
change publishes nothing.
"""

from typing import Any

from config.api.fields import isoformat_ms
from orders.models import Order, OrderEvent, OrderItem
from orders.payloads import order_event_payload
from orders.status import Status

# order.<status> for every status a change can land on (source API 002's list plus order.rejected).
STATUS_EVENT_TYPES: dict[str, str] = {
    Status.CONFIRMED: "order.confirmed",
    Status.PREPARING: "order.preparing",
    Status.READY: "order.ready",
    Status.OUT_FOR_DELIVERY: "order.out_for_delivery",
    Status.DELIVERED: "order.delivered",
    Status.COMPLETED: "order.completed",
    Status.CANCELLED: "order.cancelled",
    Status.REJECTED: "order.rejected",
}


def _publish(order: Order, event_type: str, data: dict[str, Any]) -> None:
    from webhooks.services import event_publish

    # No idempotency key: the event is written in the same transaction as the change it
    # reports, so it exists exactly when the change does (and a key would cost a lookup).
    event_publish(order.company_id, event_type, data)


def order_created(*, order: Order, items: list[OrderItem], event: OrderEvent) -> None:
    """Publish order.created."""
    _publish(order, "order.created", order_event_payload(order, items))


def order_status_changed(*, order: Order, event: OrderEvent) -> None:
    """Publish order.status_changed and the order.<status> event of the new status."""
    data = {
        **order_event_payload(order),
        "previousStatus": event.from_status,
        "reason": event.reason,
        "changedBy": event.actor,
        "changedAt": isoformat_ms(event.created_at),
    }
    _publish(order, "order.status_changed", data)
    specific = STATUS_EVENT_TYPES.get(event.to_status)
    if specific:
        _publish(order, specific, data)


def order_updated(*, order: Order, event: OrderEvent, changed: list[str]) -> None:
    """Publish order.updated naming the changed fields."""
    _publish(order, "order.updated", {**order_event_payload(order), "changedFields": changed})
