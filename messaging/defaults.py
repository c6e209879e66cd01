"""Built-in templates every company can use by name; a company template of the same name and channel wins."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DefaultTemplate:
    name: str
    channel: str
    description: str
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    sample_context: dict[str, Any] = field(default_factory=dict)


_LOW_STOCK = {"productName": "Olive oil 1L", "sku": "OIL-1L", "currentStock": 3, "threshold": 10, "location": "Main"}
_EXPIRY = {
    "productName": "Greek yoghurt",
    "sku": "YOG-500",
    "batch": "B-2025-11",
    "expiryDate": "2025-11-30",
    "days": 7,
}
_DAILY = {"date": "2025-11-06", "orders": 128, "revenue": "5,420.00", "currency": "AED", "lowStockItems": 4}
_ORDER = {"customerName": "John Doe", "orderNumber": "12345", "total": "42.50", "currency": "AED"}

DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    DefaultTemplate(
        "low_stock_alert",
        "email",
        "A product fell below its reorder threshold.",
        subject="Low stock: {{ productName }}",
        body_text="{{ productName }} ({{ sku }}) is down to {{ currentStock }} (threshold {{ threshold }})"
        "{% if location %} at {{ location }}{% endif %}.",
        body_html="<p><strong>{{ productName }}</strong> ({{ sku }}) is down to {{ currentStock }} "
        "(threshold {{ threshold }}){% if location %} at {{ location }}{% endif %}.</p>",
        sample_context=_LOW_STOCK,
    ),
    DefaultTemplate(
        "low_stock_alert",
        "sms",
        "A product fell below its reorder threshold.",
        body_text="Low stock: {{ productName }} ({{ sku }}) {{ currentStock }} left, threshold {{ threshold }}.",
        sample_context=_LOW_STOCK,
    ),
    DefaultTemplate(
        "low_stock_alert",
        "chat",
        "A product fell below its reorder threshold.",
        body_text=":warning: Low stock: *{{ productName }}* ({{ sku }}) {{ currentStock }} left.",
        sample_context=_LOW_STOCK,
    ),
    DefaultTemplate(
        "expiry_alert",
        "email",
        "A batch expires soon.",
        subject="Expiring in {{ days }} days: {{ productName }}",
        body_text="Batch {{ batch }} of {{ productName }} ({{ sku }}) expires on {{ expiryDate }}.",
        body_html="<p>Batch {{ batch }} of <strong>{{ productName }}</strong> ({{ sku }}) expires on "
        "{{ expiryDate }}.</p>",
        sample_context=_EXPIRY,
    ),
    DefaultTemplate(
        "expiry_alert",
        "sms",
        "A batch expires soon.",
        body_text="Expiry: {{ productName }} batch {{ batch }} expires {{ expiryDate }}.",
        sample_context=_EXPIRY,
    ),
    DefaultTemplate(
        "daily_report",
        "email",
        "The day's summary.",
        subject="Daily report {{ date }}",
        body_text="Orders: {{ orders }}\nRevenue: {{ revenue }} {{ currency }}\nLow-stock items: {{ lowStockItems }}",
        body_html="<h1>Daily report {{ date }}</h1><ul><li>Orders: {{ orders }}</li>"
        "<li>Revenue: {{ revenue }} {{ currency }}</li><li>Low-stock items: {{ lowStockItems }}</li></ul>",
        sample_context=_DAILY,
    ),
    DefaultTemplate(
        "order_confirmation",
        "email",
        "Sent to a customer when an order is confirmed.",
        subject="Order Confirmation - #{{ orderNumber }}",
        body_text="Thank you{% if customerName %}, {{ customerName }}{% endif %}! Your order #{{ orderNumber }} "
        "({{ total }} {{ currency }}) has been confirmed.",
        body_html="<h1>Thank you for your order!</h1><p>Your order #{{ orderNumber }} ({{ total }} {{ currency }}) "
        "has been confirmed.</p>",
        sample_context=_ORDER,
    ),
    DefaultTemplate(
        "order_confirmation",
        "sms",
        "Sent to a customer when an order is confirmed.",
        body_text="Your order has been confirmed! Order #{{ orderNumber }}",
        sample_context=_ORDER,
    ),
)


def default_template(name: str, channel: str) -> DefaultTemplate | None:
    """Return the built-in template of this name and channel, if there is one."""
    return next((t for t in DEFAULT_TEMPLATES if t.name == name and t.channel == channel), None)
