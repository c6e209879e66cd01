"""The order status machine: pure functions, no database."""

from django.db import models

DELIVERY = "delivery"
PICKUP = "pickup"
DINE_IN = "dine_in"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    PREPARING = "preparing", "Preparing"
    READY = "ready", "Ready"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    REJECTED = "rejected", "Rejected"


S = Status

# Delivery orders walk the whole path; cancellable until they leave the kitchen (ready),
# rejectable only while nobody has accepted them yet (pending).
_DELIVERY: dict[str, tuple[str, ...]] = {
    S.PENDING: (S.CONFIRMED, S.CANCELLED, S.REJECTED),
    S.CONFIRMED: (S.PREPARING, S.CANCELLED),
    S.PREPARING: (S.READY, S.CANCELLED),
    S.READY: (S.OUT_FOR_DELIVERY, S.CANCELLED),
    S.OUT_FOR_DELIVERY: (S.DELIVERED,),
    S.DELIVERED: (S.COMPLETED,),
    S.COMPLETED: (),
    S.CANCELLED: (),
    S.REJECTED: (),
}

# Pickup and dine-in orders never travel: ready → completed.
_ON_SITE: dict[str, tuple[str, ...]] = {
    **_DELIVERY,
    S.READY: (S.COMPLETED, S.CANCELLED),
    S.OUT_FOR_DELIVERY: (),
    S.DELIVERED: (),
}

TERMINAL: frozenset[str] = frozenset({S.COMPLETED, S.CANCELLED, S.REJECTED})


def transitions(order_type: str) -> dict[str, tuple[str, ...]]:
    """Return the transition table of an order type."""
    return _DELIVERY if order_type == DELIVERY else _ON_SITE


def allowed_next(status: str, order_type: str) -> list[str]:
    """Return the statuses an order of this type may move to from `status`."""
    return [str(s) for s in transitions(order_type).get(status, ())]


def can_transition(from_status: str, to_status: str, order_type: str) -> bool:
    """Return whether from_status → to_status is legal for this order type."""
    return to_status in transitions(order_type).get(from_status, ())
