"""Built-in templates every company can use by name; a company template of the same name and channel wins.

Their subjects and bodies are files under templates/messaging/<name>/<channel>.{subject.txt,txt,html},
so they read (and diff) as templates; this module declares each one's description and sample data.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates" / "messaging"


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


def _builtin(name: str, channel: str, description: str, sample_context: dict[str, Any]) -> DefaultTemplate:
    """Declare a built-in template whose subject and bodies are files under templates/messaging/<name>/."""
    return DefaultTemplate(
        name,
        channel,
        description,
        subject=_read(name, f"{channel}.subject.txt"),
        body_text=_read(name, f"{channel}.txt"),
        body_html=_read(name, f"{channel}.html"),
        sample_context=sample_context,
    )


def _read(name: str, filename: str) -> str:
    # Template files end with one newline (editors add it); the stored templates never did.
    path = TEMPLATES_DIR / name / filename
    return path.read_text(encoding="utf-8").removesuffix("\n") if path.exists() else ""


DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    _builtin("low_stock_alert", "email", "A product fell below its reorder threshold.", _LOW_STOCK),
    _builtin("low_stock_alert", "sms", "A product fell below its reorder threshold.", _LOW_STOCK),
    _builtin("low_stock_alert", "chat", "A product fell below its reorder threshold.", _LOW_STOCK),
    _builtin("expiry_alert", "email", "A batch expires soon.", _EXPIRY),
    _builtin("expiry_alert", "sms", "A batch expires soon.", _EXPIRY),
    _builtin("daily_report", "email", "The day's summary.", _DAILY),
    _builtin("order_confirmation", "email", "Sent to a customer when an order is confirmed.", _ORDER),
    _builtin("order_confirmation", "sms", "Sent to a customer when an order is confirmed.", _ORDER),
)


def default_template(name: str, channel: str) -> DefaultTemplate | None:
    """Return the built-in template of this name and channel, if there is one."""
    return next((t for t in DEFAULT_TEMPLATES if t.name == name and t.channel == channel), None)
