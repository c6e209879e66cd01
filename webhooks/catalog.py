"""The catalog of outbound event types: what each means and an example of its data."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EventType:
    """One event type a subscriber can receive."""

    name: str
    description: str
    example: dict[str, Any]

    @property
    def group(self) -> str:
        return self.name.split(".", 1)[0]


_ORDER = {
    "orderId": "7f3c2a9e-51d4-4e0b-9a57-3c1f8e2d6b10",
    "externalOrderId": "UE-100234",
    "provider": "ubereats",
    "branchId": "branch-123",
    "status": "confirmed",
    "orderType": "delivery",
    "total": "42.50",
    "currency": "AED",
    "customerName": "John Doe",
    "createdAt": "2025-11-06T10:30:00.000Z",
}


def _order(status: str, **extra: Any) -> dict[str, Any]:
    return {**_ORDER, "status": status, **extra}


_PAYMENT = {
    "paymentId": "b2a4c6e8-0a1b-4c3d-8e5f-6a7b8c9d0e1f",
    "orderId": _ORDER["orderId"],
    "provider": "stripe",
    "amount": "42.50",
    "currency": "AED",
    "status": "succeeded",
}

_MESSAGE = {
    "messageId": "c3d5e7f9-1b2c-4d3e-9f5a-7b8c9d0e1f2a",
    "channel": "sms",
    "provider": "twilio",
    "to": "+971501234567",
    "status": "delivered",
}

_SYNC = {
    "syncId": "d4e6f8a0-2c3d-4e5f-8a6b-8c9d0e1f2a3b",
    "integrationId": "e5f7a9b1-3d4e-4f5a-9b7c-9d0e1f2a3b4c",
    "integrationType": "shopify",
    "direction": "import",
    "status": "completed",
    "processed": 120,
    "failed": 0,
}

_INTEGRATION = {
    "integrationId": "e5f7a9b1-3d4e-4f5a-9b7c-9d0e1f2a3b4c",
    "integrationType": "shopify",
    "name": "Main store",
    "status": "active",
}

_TYPES: list[EventType] = [
    EventType("order.created", "A new order was received (API, provider or store).", _order("pending")),
    EventType("order.updated", "An order's details changed (items, customer, delivery).", _order("confirmed")),
    EventType(
        "order.status_changed",
        "An order moved from one status to another.",
        _order("preparing", previousStatus="confirmed"),
    ),
    EventType("order.confirmed", "The restaurant accepted the order.", _order("confirmed")),
    EventType("order.preparing", "The kitchen started preparing the order.", _order("preparing")),
    EventType("order.ready", "The order is ready for pickup.", _order("ready")),
    EventType("order.out_for_delivery", "A courier picked the order up.", _order("out_for_delivery")),
    EventType("order.delivered", "The order reached the customer.", _order("delivered")),
    EventType("order.completed", "The order is closed (delivered or picked up, and paid).", _order("completed")),
    EventType("order.cancelled", "The order was cancelled.", _order("cancelled", reason="customer_request")),
    EventType("order.rejected", "The restaurant rejected the order.", _order("rejected", reason="out_of_stock")),
    EventType("payment.created", "A payment was created with a gateway.", {**_PAYMENT, "status": "pending"}),
    EventType("payment.succeeded", "A payment was captured.", _PAYMENT),
    EventType(
        "payment.failed",
        "A payment attempt failed.",
        {**_PAYMENT, "status": "failed", "failureReason": "card_declined"},
    ),
    EventType(
        "payment.refunded",
        "A payment was refunded, fully or in part.",
        {**_PAYMENT, "status": "refunded", "refundId": "f6a8b0c2-4e5f-4a6b-8c8d-0e1f2a3b4c5d", "refundAmount": "10.00"},
    ),
    EventType("message.sent", "A message was handed to a provider.", {**_MESSAGE, "status": "sent"}),
    EventType("message.delivered", "The provider reported the message delivered.", _MESSAGE),
    EventType(
        "message.failed",
        "A message could not be sent by any provider.",
        {**_MESSAGE, "status": "failed", "error": "invalid_number"},
    ),
    EventType("sync.started", "A catalog or order sync started.", {**_SYNC, "status": "running", "processed": 0}),
    EventType("sync.completed", "A sync finished.", _SYNC),
    EventType("sync.failed", "A sync stopped on an error.", {**_SYNC, "status": "failed", "error": "auth_failed"}),
    EventType("integration.connected", "An integration was connected.", _INTEGRATION),
    EventType(
        "integration.disconnected",
        "An integration was disconnected.",
        {**_INTEGRATION, "status": "disconnected"},
    ),
    EventType(
        "integration.error",
        "An integration's health check or call failed.",
        {**_INTEGRATION, "status": "error", "error": "401 Unauthorized from provider"},
    ),
    EventType(
        "webhook.test",
        "A test event sent on request to check an endpoint.",
        {"message": "This is a test webhook from Integration Hub.", "endpointId": "a1b2c3d4-..."},
    ),
]

CATALOG: dict[str, EventType] = {t.name: t for t in _TYPES}
EVENT_TYPES: tuple[str, ...] = tuple(CATALOG)
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(t.group for t in _TYPES))
WILDCARD_ALL = "*"


# Companies' own event types live outside this app (the streaming app attaches a lookup from its
# AppConfig.ready); their names must not fall in a built-in group, so `order.*` keeps its meaning.
CUSTOM_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,4}$")
_custom_lookups: list[Callable[[uuid.UUID, str], bool]] = []


def register_custom_types(lookup: Callable[[uuid.UUID, str], bool]) -> None:
    """Attach `lookup(company_id, name) -> bool`, which says whether a company defined that event type."""
    if lookup not in _custom_lookups:
        _custom_lookups.append(lookup)


def is_custom_name(name: str) -> bool:
    """Return True when the name may be a company's own type (well-formed, outside the built-in groups)."""
    return bool(_custom_lookups) and bool(CUSTOM_NAME_RE.match(name)) and name.split(".", 1)[0] not in GROUPS


def is_known(event_type: str, company_id: uuid.UUID | None = None) -> bool:
    """Return True when the type is in the catalog, or is one the company defined."""
    if event_type in CATALOG:
        return True
    return (
        company_id is not None
        and is_custom_name(event_type)
        and any(f(company_id, event_type) for f in _custom_lookups)
    )


def is_valid_subscription(pattern: str, company_id: uuid.UUID | None = None) -> bool:
    """Return True for an exact catalog type, a group wildcard such as `order.*`, or `*`.

    Without a company, a well-formed custom name passes (its owner is checked by the service).
    """
    if pattern == WILDCARD_ALL or pattern in CATALOG:
        return True
    if pattern.endswith(".*") and pattern[:-2] in GROUPS:
        return True
    if company_id is None:
        return is_custom_name(pattern)
    return is_known(pattern, company_id)


def subscription_matches(patterns: list[str], event_type: str) -> bool:
    """Return True when any of the subscription patterns covers the event type."""
    for pattern in patterns:
        if pattern in (WILDCARD_ALL, event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def allowed_patterns() -> list[str]:
    """Return every accepted subscription value (for error messages)."""
    return [*EVENT_TYPES, *(f"{g}.*" for g in GROUPS), WILDCARD_ALL]
