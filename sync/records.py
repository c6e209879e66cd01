"""The fields a provider's record and ours share, their content hash, and the bodies we push.

Both sides are reduced to the same normalized fields (products: sku, name, price;
customers: phone, name, email); the hash of those fields is what a SyncLink remembers,
so "changed since the last sync" means "the shared fields differ from what both sides
agreed on", whatever timestamps say.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from core.phones import InvalidPhone, to_e164
from orders import inbound
from orders.models import Customer, Product


class RecordError(ValueError):
    """A provider record we cannot hold (e.g. a customer without a usable phone)."""


@dataclass
class Remote:
    """A provider's record reduced to the shared fields."""

    external_id: str
    modified_at: datetime | None
    fields: dict[str, str]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    mapped: Any = field(repr=False, default=None)  # orders: the inbound mapping (orders.inbound.Mapped)

    @property
    def hash(self) -> str:
        return content_hash(self.fields)


def content_hash(fields: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _price(value: Any) -> str:
    try:
        return f"{Decimal(str(value or '0')):.2f}"
    except InvalidOperation:
        raise RecordError(f"price is not a number: {value!r}")


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    # WooCommerce's *_gmt dates carry no offset; they are UTC.
    return parse_datetime(text + ("Z" if text[-1].isdigit() else ""))


def _phone(raw: Any, region: Any) -> str:
    if not raw:
        raise RecordError("the customer has no phone number; the hub keys customers by phone")
    try:
        return to_e164(str(raw), region=str(region) if region else None)
    except InvalidPhone as exc:
        raise RecordError(f"the customer's phone is unusable: {exc}")


def _name(first: Any, last: Any) -> str:
    return " ".join(str(p).strip() for p in (first, last) if p and str(p).strip())


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last


# --- ours -------------------------------------------------------------------------------


def product_fields(product: Product) -> dict[str, str]:
    return {"sku": product.sku, "name": product.name, "price": _price(product.price)}


def customer_fields(customer: Customer) -> dict[str, str]:
    return {"phone": customer.phone, "name": customer.name, "email": customer.email.lower()}


def ours_fields(kind: str, record: Product | Customer) -> dict[str, str]:
    return product_fields(record) if kind == "products" else customer_fields(record)  # type: ignore[arg-type]


# --- theirs -----------------------------------------------------------------------------


def remote_from(provider: str, kind: str, raw: dict[str, Any]) -> Remote:
    """Reduce one provider record to a Remote (RecordError when it cannot be held)."""
    if not isinstance(raw, dict) or not raw.get("id"):
        raise RecordError(f"a {kind[:-1]} record without an id")
    return _MAPPERS[(provider, kind)](raw)


def _woo_product(raw: dict[str, Any]) -> Remote:
    sku = str(raw.get("sku") or "") or f"woocommerce-{raw['id']}"  # the hub needs a SKU to key products
    return Remote(
        external_id=str(raw["id"]),
        modified_at=_when(raw.get("date_modified_gmt") or raw.get("date_modified")),
        fields={
            "sku": sku,
            "name": str(raw.get("name") or ""),
            "price": _price(raw.get("regular_price") or raw.get("price")),
        },
        raw=raw,
    )


def _woo_customer(raw: dict[str, Any]) -> Remote:
    billing = raw.get("billing") or {}
    return Remote(
        external_id=str(raw["id"]),
        modified_at=_when(raw.get("date_modified_gmt") or raw.get("date_modified")),
        fields={
            "phone": _phone(billing.get("phone"), billing.get("country")),
            "name": _name(raw.get("first_name"), raw.get("last_name")),
            "email": str(raw.get("email") or billing.get("email") or "").lower(),
        },
        raw=raw,
    )


def _shopify_product(raw: dict[str, Any]) -> Remote:
    variant = (raw.get("variants") or [{}])[0] or {}
    return Remote(
        external_id=str(raw["id"]),
        modified_at=_when(raw.get("updated_at")),
        fields={
            "sku": str(variant.get("sku") or "") or f"shopify-{raw['id']}",
            "name": str(raw.get("title") or ""),
            "price": _price(variant.get("price")),
        },
        raw=raw,
    )


def _shopify_customer(raw: dict[str, Any]) -> Remote:
    address = raw.get("default_address") or {}
    return Remote(
        external_id=str(raw["id"]),
        modified_at=_when(raw.get("updated_at")),
        fields={
            "phone": _phone(raw.get("phone") or address.get("phone"), address.get("country_code")),
            "name": _name(raw.get("first_name"), raw.get("last_name")),
            "email": str(raw.get("email") or "").lower(),
        },
        raw=raw,
    )


def _order(mapper: Any, modified_key: str) -> Any:
    def build(raw: dict[str, Any]) -> Remote:
        try:
            mapped = mapper(raw)
        except (inbound.PayloadError, ValueError, TypeError) as exc:
            raise RecordError(f"order not understood: {exc}")
        data = mapped.order
        return Remote(
            external_id=str(raw["id"]),
            modified_at=_when(raw.get(modified_key)),
            fields={
                "status": str(raw.get("status") or raw.get("financial_status") or ""),
                "cancelled": str(mapped.cancelled),
                "customerName": data.customer_name,
                "customerPhone": data.customer_phone,
                "deliveryAddress": data.delivery_address,
                "notes": data.notes,
                "total": _price(data.total),
            },
            raw=raw,
            mapped=mapped,
        )

    return build


_MAPPERS = {
    ("woocommerce", "products"): _woo_product,
    ("woocommerce", "customers"): _woo_customer,
    ("woocommerce", "orders"): _order(inbound.map_woocommerce, "date_modified_gmt"),
    ("shopify", "products"): _shopify_product,
    ("shopify", "customers"): _shopify_customer,
    ("shopify", "orders"): _order(inbound.map_shopify, "updated_at"),
}


# --- what we push -------------------------------------------------------------------------


def push_body(provider: str, kind: str, fields: dict[str, str]) -> dict[str, Any]:
    """Return the provider's create/update body for our product or customer."""
    if kind == "products":
        if provider == "woocommerce":
            return {"name": fields["name"], "sku": fields["sku"], "regular_price": fields["price"]}
        return {"product": {"title": fields["name"], "variants": [{"sku": fields["sku"], "price": fields["price"]}]}}
    first, last = _split_name(fields["name"])
    if provider == "woocommerce":
        return {
            "email": fields["email"],
            "first_name": first,
            "last_name": last,
            "billing": {"first_name": first, "last_name": last, "phone": fields["phone"], "email": fields["email"]},
        }
    return {"customer": {"first_name": first, "last_name": last, "email": fields["email"], "phone": fields["phone"]}}
