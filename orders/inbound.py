"""Provider orders in: map WooCommerce, Shopify and delivery-partner order webhooks to orders.

Registered in OrdersConfig.ready with integrations.inbound.registry. Each handler maps the
provider's payload to an OrderInput, then creates the order (or applies an update or a
cancellation through the status machine) and records an IntegrationLog (operation
"import"). Handlers are idempotent: an order already imported is not created again.
A payload that can never become a valid order is logged as an error and not retried.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from core import money
from core.phones import InvalidPhone, to_e164
from integrations.inbound.registry import InboundMessage, Rejected
from logs.services import log_record
from orders import services
from orders import status as machine
from orders.models import Order

logger = logging.getLogger(__name__)


class PayloadError(ValueError):
    """The payload lacks something an order needs; retrying will not help."""


@dataclass
class Mapped:
    """A provider order mapped to our terms."""

    order: services.OrderInput
    cancelled: bool = False
    cancel_reason: str = ""
    warnings: list[str] = field(default_factory=list)


def _dec(value: Any, name: str) -> Decimal:
    if value in (None, ""):
        return money.ZERO
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"{name} is not a number: {value!r}")
    if not result.is_finite():
        raise PayloadError(f"{name} is not a number: {value!r}")
    return result


def _phone(raw: str | None, region: str | None, warnings: list[str]) -> str:
    if not raw:
        return ""
    try:
        return to_e164(raw, region=region)
    except InvalidPhone as exc:
        warnings.append(f"customer phone dropped: {exc}")
        return ""


def _when(raw: str | None, *, assume_utc: bool = False) -> datetime | None:
    if not raw:
        return None
    parsed = parse_datetime(raw + ("Z" if assume_utc and raw[-1].isdigit() else ""))
    return parsed


def _address(*parts: Any) -> str:
    return ", ".join(str(p).strip() for p in parts if p and str(p).strip())


# --- WooCommerce (REST API v3 order, as sent by "Order created/updated" webhooks) -----------

WOO_CANCELLED = {"cancelled", "refunded", "failed"}


def map_woocommerce(payload: dict[str, Any]) -> Mapped:
    """Map a WooCommerce order webhook body (X-WC-Webhook-Topic order.created / order.updated)."""
    if not payload.get("id") or not isinstance(payload.get("line_items"), list):
        raise PayloadError("A WooCommerce order needs id and line_items.")
    warnings: list[str] = []
    currency = str(payload.get("currency") or "USD").upper()
    billing = payload.get("billing") or {}
    shipping = payload.get("shipping") or {}
    meta = {m.get("key"): m.get("value") for m in payload.get("meta_data") or [] if isinstance(m, dict)}
    items = []
    for line in payload["line_items"]:
        quantity = int(line.get("quantity") or 0)
        subtotal = _dec(line.get("subtotal"), "line_items.subtotal")  # before coupons, excluding tax
        modifiers = [
            {"name": f"{m.get('display_key') or m.get('key')}: {m.get('display_value') or m.get('value')}"}
            for m in line.get("meta_data") or []
            if isinstance(m, dict) and not str(m.get("key", "")).startswith("_")
        ]
        items.append(
            services.ItemInput(
                quantity=quantity,
                sku=str(line.get("sku") or ""),
                external_product_id=str(line.get("variation_id") or line.get("product_id") or ""),
                name=str(line.get("name") or ""),
                unit_price=subtotal / quantity if quantity else subtotal,
                modifiers=modifiers,  # add-on prices are already inside the line subtotal
            )
        )
    pickup = any((s.get("method_id") == "local_pickup") for s in payload.get("shipping_lines") or [])
    fees = sum((_dec(f.get("total"), "fee_lines.total") for f in payload.get("fee_lines") or []), money.ZERO)
    address_src = shipping if shipping.get("address_1") else billing
    order = services.OrderInput(
        provider="woocommerce",
        external_order_id=str(payload["id"]),
        branch_id=str(meta.get("branch_id") or meta.get("_branch_id") or "online"),
        order_type=machine.PICKUP if pickup else machine.DELIVERY,
        items=items,
        customer_name=_address(billing.get("first_name"), billing.get("last_name")).replace(", ", " "),
        customer_phone=_phone(billing.get("phone") or shipping.get("phone"), billing.get("country"), warnings),
        customer_email=str(billing.get("email") or ""),
        delivery_address=""
        if pickup
        else _address(
            address_src.get("address_1"),
            address_src.get("address_2"),
            address_src.get("city"),
            address_src.get("state"),
            address_src.get("postcode"),
            address_src.get("country"),
        ),
        notes=str(payload.get("customer_note") or ""),
        currency=currency,
        delivery_fee=_dec(payload.get("shipping_total"), "shipping_total") + fees,
        tax=_dec(payload.get("total_tax"), "total_tax"),
        discount=_dec(payload.get("discount_total"), "discount_total"),
        total=_dec(payload.get("total"), "total"),
        placed_at=_when(payload.get("date_created_gmt"), assume_utc=True),
        metadata={"number": payload.get("number"), "wooStatus": payload.get("status")},
    )
    status = payload.get("status")
    return Mapped(
        order=order, cancelled=status in WOO_CANCELLED, cancel_reason=f"WooCommerce: {status}", warnings=warnings
    )


# --- Shopify (Admin REST order, as sent by orders/create and orders/updated webhooks) --------


def map_shopify(payload: dict[str, Any]) -> Mapped:
    """Map a Shopify order webhook body (X-Shopify-Topic orders/create / orders/updated)."""
    if not payload.get("id") or not isinstance(payload.get("line_items"), list):
        raise PayloadError("A Shopify order needs id and line_items.")
    warnings: list[str] = []
    currency = str(payload.get("currency") or "USD").upper()
    shipping = payload.get("shipping_address") or {}
    billing = payload.get("billing_address") or {}
    customer = payload.get("customer") or {}
    items = [
        services.ItemInput(
            quantity=int(line.get("quantity") or 0),
            sku=str(line.get("sku") or ""),
            external_product_id=str(line.get("variant_id") or line.get("product_id") or ""),
            name=str(line.get("name") or line.get("title") or ""),
            unit_price=_dec(line.get("price"), "line_items.price"),
            modifiers=[
                {"name": f"{p.get('name')}: {p.get('value')}"}
                for p in line.get("properties") or []
                if isinstance(p, dict) and not str(p.get("name", "")).startswith("_")
            ],
        )
        for line in payload["line_items"]
    ]
    shipping_lines = payload.get("shipping_lines") or []
    delivery_fee = sum((_dec(s.get("price"), "shipping_lines.price") for s in shipping_lines), money.ZERO)
    taxes_included = bool(payload.get("taxes_included"))
    name = _address(customer.get("first_name"), customer.get("last_name")).replace(", ", " ") or str(
        shipping.get("name") or billing.get("name") or ""
    )
    region = shipping.get("country_code") or billing.get("country_code")
    order = services.OrderInput(
        provider="shopify",
        external_order_id=str(payload["id"]),
        branch_id=str(payload.get("location_id") or "online"),
        order_type=machine.DELIVERY if shipping else machine.PICKUP,
        items=items,
        customer_name=name,
        customer_phone=_phone(
            payload.get("phone") or shipping.get("phone") or customer.get("phone") or billing.get("phone"),
            region,
            warnings,
        ),
        customer_email=str(payload.get("email") or customer.get("email") or ""),
        delivery_address=_address(
            shipping.get("address1"),
            shipping.get("address2"),
            shipping.get("city"),
            shipping.get("province"),
            shipping.get("zip"),
            shipping.get("country"),
        ),
        notes=str(payload.get("note") or ""),
        currency=currency,
        delivery_fee=delivery_fee,
        # Prices that include tax already carry it: adding total_tax again would double count.
        tax=money.ZERO if taxes_included else _dec(payload.get("total_tax"), "total_tax"),
        discount=_dec(payload.get("total_discounts"), "total_discounts"),
        tip=_dec(payload.get("total_tip_received"), "total_tip_received"),
        total=_dec(payload.get("total_price"), "total_price"),
        placed_at=_when(payload.get("created_at")),
        metadata={"name": payload.get("name"), "financialStatus": payload.get("financial_status")},
    )
    return Mapped(
        order=order,
        cancelled=bool(payload.get("cancelled_at")),
        cancel_reason=f"Shopify: {payload.get('cancel_reason') or 'cancelled'}",
        warnings=warnings,
    )


# --- Delivery partners (Uber Eats, Deliveroo, Careem, Talabat): our documented payload -------


def map_delivery(provider: str, payload: dict[str, Any]) -> Mapped:
    """Map the hub's documented delivery-partner payload (docs/orders.md) for `provider`."""
    if not payload.get("orderId") or not isinstance(payload.get("items"), list) or not payload.get("branchId"):
        raise PayloadError("A delivery-partner order needs orderId, branchId and items.")
    warnings: list[str] = []
    customer = payload.get("customer") or {}
    order_type = payload.get("orderType") or machine.DELIVERY
    if order_type not in Order.OrderType.values:
        raise PayloadError(f"orderType {order_type!r} is not one of {', '.join(Order.OrderType.values)}.")
    items = [
        services.ItemInput(
            quantity=int(item.get("quantity") or 0),
            product_id=item.get("productId") if isinstance(item.get("productId"), int) else None,
            sku=str(item.get("sku") or ""),
            external_product_id=str(item.get("externalProductId") or ""),
            name=str(item.get("name") or ""),
            unit_price=_dec(item.get("unitPrice"), "items.unitPrice") if item.get("unitPrice") is not None else None,
            modifiers=item.get("modifiers") or [],
            notes=str(item.get("notes") or ""),
        )
        for item in payload["items"]
    ]
    order = services.OrderInput(
        provider=provider,
        external_order_id=str(payload["orderId"]),
        branch_id=str(payload["branchId"]),
        order_type=order_type,
        items=items,
        customer_name=str(customer.get("name") or ""),
        customer_phone=_phone(customer.get("phone"), None, warnings),
        delivery_address=str(payload.get("deliveryAddress") or ""),
        notes=str(payload.get("notes") or ""),
        currency=str(payload.get("currency") or "USD").upper(),
        delivery_fee=_dec(payload.get("deliveryFee"), "deliveryFee"),
        tax=_dec(payload.get("tax"), "tax"),
        discount=_dec(payload.get("discount"), "discount"),
        tip=_dec(payload.get("tip"), "tip"),
        total=_dec(payload.get("total"), "total") if payload.get("total") is not None else None,
        placed_at=_when(payload.get("placedAt")),
        metadata={"providerEventId": payload.get("eventId")},
    )
    return Mapped(
        order=order,
        cancelled=payload.get("status") == machine.Status.CANCELLED,
        cancel_reason=str(payload.get("cancellationReason") or f"{provider}: cancelled"),
        warnings=warnings,
    )


# --- the shared import -----------------------------------------------------------------


def order_import(message: InboundMessage, mapped: Mapped) -> Order | Rejected:
    """Create or update the order a provider sent, cancel it if the provider did; log the outcome.

    A refused order answers Rejected, so the inbound event is kept failed (not processed).
    """
    data = mapped.order
    actor = f"provider:{message.provider}"
    try:
        with transaction.atomic():
            outcome, order = _apply(message, mapped, actor)
    except services.OrderValidationError as exc:
        text = f"Order {data.external_order_id} rejected: {exc.message}"
        _log(message, "error", text, None, exc.details, mapped)
        return Rejected(text)
    _log(message, "success", f"Order {data.external_order_id} {outcome}.", order, None, mapped)
    return order


def _apply(message: InboundMessage, mapped: Mapped, actor: str) -> tuple[str, Order]:
    data = mapped.order
    company_id = message.company_id
    existing = Order.objects.filter(
        company_id=company_id, provider=data.provider, external_order_id=data.external_order_id
    ).first()
    if existing is None:
        try:
            order = services.order_create(company_id=company_id, data=data, actor=actor).order
            outcome = "imported"
        except services.DuplicateExternalOrder as exc:  # a concurrent delivery of the same order won
            order, outcome = exc.order, "already imported"
    else:
        order, changed = services.order_update_details(
            company_id=company_id,
            order_id=existing.id,
            actor=actor,
            changes={
                "customer_name": data.customer_name or existing.customer_name,
                "customer_phone": data.customer_phone or existing.customer_phone,
                "delivery_address": data.delivery_address or existing.delivery_address,
                "notes": data.notes,
            },
        )
        outcome = "updated" if changed else "already imported, unchanged"
    if mapped.cancelled and order.status != machine.Status.CANCELLED:
        if machine.can_transition(order.status, machine.Status.CANCELLED, order.order_type):
            order = services.order_status_change(
                company_id=company_id,
                order_id=order.id,
                to_status=machine.Status.CANCELLED,
                actor=actor,
                reason=mapped.cancel_reason,
            )
            outcome += ", cancelled"
        else:
            mapped.warnings.append(f"the provider cancelled it, but a {order.status} order cannot be cancelled")
    return outcome, order


def _log(
    message: InboundMessage,
    status: str,
    text: str,
    order: Order | None,
    error_details: dict[str, Any] | None,
    mapped: Mapped | None,
) -> None:
    log_record(
        company_id=message.company_id,
        integration_id=message.integration_id,
        integration_type=message.provider,
        operation="import",
        status=status,
        message=text,
        error_details=error_details,
        metadata={
            "orderId": str(order.id) if order else None,
            "externalOrderId": mapped.order.external_order_id if mapped else None,
            "topic": message.topic,
            "inboundEventId": str(message.id),
            "warnings": mapped.warnings if mapped else [],
        },
    )


def _handle(message: InboundMessage, mapper: Any) -> Rejected | None:
    if not isinstance(message.payload, dict):
        _log(message, "error", "The order payload is not a JSON object.", None, None, None)
        return Rejected("The order payload is not a JSON object.")
    try:
        mapped = mapper(message.payload)
    except (PayloadError, ValueError, TypeError) as exc:
        _log(message, "error", f"Order payload not understood: {exc}", None, {"error": str(exc)}, None)
        return Rejected(f"Order payload not understood: {exc}")
    imported = order_import(message, mapped)
    return imported if isinstance(imported, Rejected) else None


def woocommerce_order(message: InboundMessage) -> Rejected | None:
    """Handler for WooCommerce order.created / order.updated."""
    return _handle(message, map_woocommerce)


def shopify_order(message: InboundMessage) -> Rejected | None:
    """Handler for Shopify orders/create / orders/updated / orders/cancelled."""
    return _handle(message, map_shopify)


def delivery_order(message: InboundMessage) -> Rejected | None:
    """Handler for the delivery partners' order.created / order.updated / order.cancelled."""
    return _handle(message, lambda payload: map_delivery(message.provider, payload))


def register() -> None:
    """Register the order handlers with the inbound registry (called from OrdersConfig.ready)."""
    from integrations.inbound.registry import register_inbound_handler
    from integrations.providers import provider_keys, register_capability
    from orders.models import ORDER_SOURCE

    # The providers whose orders this module maps become the allowed values of Order.provider.
    sources = {"woocommerce": woocommerce_order, "shopify": shopify_order}
    sources.update({provider: delivery_order for provider in provider_keys(category="delivery")})
    for provider, handler in sources.items():
        register_capability(provider, ORDER_SOURCE, handler)
    register_inbound_handler("woocommerce", "order.created", woocommerce_order)
    register_inbound_handler("woocommerce", "order.updated", woocommerce_order)
    register_inbound_handler("shopify", "orders/create", shopify_order)
    register_inbound_handler("shopify", "orders/updated", shopify_order)
    register_inbound_handler("shopify", "orders/cancelled", shopify_order)
    for provider in provider_keys(category="delivery"):
        for topic in ("order.created", "order.updated", "order.cancelled"):
            register_inbound_handler(provider, topic, delivery_order)
