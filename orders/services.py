"""Writes of orders: create (idempotent), status changes through the machine, detail updates.

Every change writes an OrderEvent row and publishes its webhook events through
`webhooks.services.event_publish` inside the same transaction, so a rolled-back change
leaves no history and sends nothing.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from core import money
from core.errors import Conflict, InvalidInput
from core.idempotency import NO_KEY, IdempotencyKey, replay
from core.phones import InvalidPhone, to_e164
from orders import publishing
from orders import status as machine
from orders.models import API_PROVIDER, Customer, Order, OrderEvent, OrderItem, Product


class OrderValidationError(InvalidInput):
    """The order's content is invalid (400); `details` maps field paths to messages, `message` is the first."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message, details=details)


class DuplicateExternalOrder(Conflict):
    """409: an order with this provider and external order id already exists; details name it."""

    def __init__(self, order: Order) -> None:
        super().__init__(
            f"Order {order.external_order_id!r} from {order.provider} already exists as {order.id}.",
            details={"orderId": str(order.id), "provider": order.provider, "externalOrderId": order.external_order_id},
        )
        self.order = order


class IllegalTransition(Conflict):
    """409: the order cannot move to the requested status from where it is; details name the allowed ones."""

    def __init__(self, order: Order, to_status: str, *, expected_status: str | None = None) -> None:
        self.order = order
        self.to_status = to_status
        self.allowed = order.allowed_next()
        if expected_status is not None and expected_status != order.status:
            message = f"The order is {order.status}, not {expected_status}; it was changed by someone else."
        else:
            allowed = ", ".join(self.allowed) or "none (it is final)"
            message = (
                f"A {order.order_type} order cannot go from {order.status} to {to_status}; allowed next: {allowed}."
            )
        super().__init__(message, details={"status": order.status, "requested": to_status, "allowed": self.allowed})


# Amounts are stored as numeric(14, 3): anything from 10^11 up cannot be stored.
MAX_AMOUNT = Decimal("100000000000")


@dataclass
class ItemInput:
    """One order line as received; prices may be omitted when the product is known."""

    quantity: int
    product_id: int | None = None
    # A `productId` that is not our integer id (e.g. "product-456"): the partner's own id,
    # matched against the company's SKUs, else kept on the item as its externalProductId.
    product_ref: str = ""
    sku: str = ""
    external_product_id: str = ""
    name: str = ""
    unit_price: Decimal | None = None
    modifiers: list[Any] = field(default_factory=list)
    notes: str = ""


@dataclass
class OrderInput:
    """An order as received from the API or mapped from a provider's payload."""

    branch_id: str
    order_type: str
    items: list[ItemInput]
    provider: str = API_PROVIDER
    external_order_id: str = ""
    customer_name: str = ""
    customer_phone: str = ""  # already E.164 (serializers and mappers normalize it)
    customer_email: str = ""
    delivery_address: str = ""
    notes: str = ""
    currency: str = "USD"
    delivery_fee: Decimal = money.ZERO
    tax: Decimal = money.ZERO
    discount: Decimal = money.ZERO
    tip: Decimal = money.ZERO
    subtotal: Decimal | None = None  # as sent: checked against the computed subtotal
    total: Decimal | None = None  # as sent: checked against the computed total
    placed_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class CreateResult:
    order: Order
    created: bool


def order_create(
    *,
    company_id: UUID,
    data: OrderInput,
    actor: str,
    idempotency: IdempotencyKey = NO_KEY,
) -> CreateResult:
    """Create an order with its items, history and order.created event.

    A repeat with the same Idempotency-Key and body returns the first order (created=False);
    the key with another body raises IdempotencyKeyReused; an existing provider/external id
    raises DuplicateExternalOrder. Uniqueness is enforced by the database, so two racing
    requests resolve the same way as two sequential ones.
    """
    first = replay(Order.objects.filter(company_id=company_id), idempotency, name="orderId")
    if first is not None:
        return CreateResult(order=first, created=False)
    try:
        order = _order_insert(company_id=company_id, data=data, actor=actor, idempotency=idempotency)
        return CreateResult(order=order, created=True)
    except IntegrityError:
        first = replay(Order.objects.filter(company_id=company_id), idempotency, name="orderId")
        if first is not None:
            return CreateResult(order=first, created=False)
        if data.external_order_id:
            existing = Order.objects.filter(
                company_id=company_id, provider=data.provider, external_order_id=data.external_order_id
            ).first()
            if existing is not None:
                raise DuplicateExternalOrder(existing)
        raise


@transaction.atomic
def _order_insert(*, company_id: UUID, data: OrderInput, actor: str, idempotency: IdempotencyKey) -> Order:
    items = _priced_items(company_id=company_id, data=data)
    totals = _totals(data=data, items=items)
    customer = None
    if data.customer_phone:
        customer = customer_upsert(
            company_id=company_id, phone=data.customer_phone, name=data.customer_name, email=data.customer_email
        )
    now = timezone.now()
    order = Order(
        company_id=company_id,
        provider=data.provider,
        external_order_id=data.external_order_id,
        branch_id=data.branch_id,
        order_type=data.order_type,
        status=machine.Status.PENDING,
        customer=customer,
        customer_name=data.customer_name,
        customer_phone=data.customer_phone,
        delivery_address=data.delivery_address,
        notes=data.notes,
        currency=data.currency,
        placed_at=data.placed_at or now,
        status_changed_at=now,
        metadata=data.metadata,
        **idempotency.stored(),
        **totals,
    )
    order.save(force_insert=True)
    for item in items:
        item.order = order
    OrderItem.objects.bulk_create(items)
    event = OrderEvent.objects.create(
        order=order, company_id=company_id, kind=OrderEvent.Kind.CREATED, to_status=order.status, actor=actor
    )
    publishing.order_created(order=order, items=items, event=event)
    return order


def _priced_items(*, company_id: UUID, data: OrderInput) -> list[OrderItem]:
    """Resolve product references, fill missing prices from the catalog and compute line totals."""
    if not data.items:
        raise OrderValidationError("An order needs at least one item.", {"items": "An order needs at least one item."})
    ids = {i.product_id for i in data.items if i.product_id is not None}
    skus = {i.sku for i in data.items if i.sku} | {i.product_ref for i in data.items if i.product_ref}
    by_id: dict[int, Product] = {}
    by_sku: dict[str, Product] = {}
    if ids or skus:
        for product in Product.objects.filter(company_id=company_id).filter(Q(id__in=ids) | Q(sku__in=skus)):
            by_id[product.id] = product
            if product.sku:
                by_sku[product.sku] = product

    errors: dict[str, str] = {}
    lines: list[OrderItem] = []
    currency = data.currency
    for n, item in enumerate(data.items):
        where = f"items[{n}]"
        product = None
        if item.product_id is not None:
            product = by_id.get(item.product_id)
            if product is None:
                errors[f"{where}.productId"] = f"No product {item.product_id} exists in this company."
                continue
        elif item.product_ref:
            product = by_sku.get(item.product_ref) or (by_sku.get(item.sku) if item.sku else None)
        elif item.sku:
            product = by_sku.get(item.sku)  # an unknown SKU is kept as sent: the catalog may lag the provider
        unit_price = item.unit_price
        if unit_price is None:
            if product is None:
                errors[f"{where}.unitPrice"] = "unitPrice is required when the item names no known product."
                continue
            unit_price = product.price
        if unit_price < 0:
            errors[f"{where}.unitPrice"] = "unitPrice cannot be negative."
            continue
        if not money.fits(unit_price, currency):
            errors[f"{where}.unitPrice"] = f"{unit_price} has more decimals than {currency} allows."
            continue
        if item.quantity < 1:
            errors[f"{where}.quantity"] = "quantity must be at least 1."
            continue
        modifiers, modifier_error = _modifiers(item.modifiers, currency)
        if modifier_error:
            errors[f"{where}.modifiers"] = modifier_error
            continue
        each = unit_price + sum((Decimal(m["price"]) * m["quantity"] for m in modifiers), money.ZERO)
        lines.append(
            OrderItem(
                product=product,
                sku=item.sku or (product.sku if product else ""),
                external_product_id=item.external_product_id or (item.product_ref if product is None else ""),
                name=item.name or (product.name if product else ""),
                quantity=item.quantity,
                unit_price=unit_price,
                modifiers=modifiers,
                line_total=money.rounded(each * item.quantity, currency),
                notes=item.notes,
            )
        )
    if errors:
        raise OrderValidationError(next(iter(errors.values())), errors)
    return lines


def _modifiers(raw: list[Any], currency: str) -> tuple[list[dict[str, Any]], str]:
    """Normalize modifiers ("extra-cheese" or {name, price, quantity}) to dicts with string prices."""
    result: list[dict[str, Any]] = []
    for entry in raw or []:
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict) or not str(entry.get("name", "")).strip():
            return [], "Each modifier is a name or an object with a name (and optional price, quantity)."
        try:
            price = Decimal(str(entry.get("price", "0")))
            quantity = int(entry.get("quantity", 1))
        except (ArithmeticError, ValueError, TypeError):
            return [], f"Modifier {entry.get('name')!r} has an invalid price or quantity."
        if not price.is_finite() or price < 0 or quantity < 1 or not money.fits(price, currency):
            return [], f"Modifier {entry.get('name')!r} needs a price ≥ 0 in {currency} and a quantity ≥ 1."
        result.append(
            {"name": str(entry["name"]).strip(), "price": money.as_str(price, currency), "quantity": quantity}
        )
    return result, ""


def _totals(*, data: OrderInput, items: list[OrderItem]) -> dict[str, Decimal]:
    """Compute subtotal and total; a sent subtotal or total that disagrees is a validation error."""
    currency = data.currency
    errors: dict[str, str] = {}
    for name in ("delivery_fee", "tax", "discount", "tip", "subtotal", "total"):
        value = getattr(data, name)
        if value is not None and (value < 0 or not money.fits(value, currency)):
            errors[_camel(name)] = f"{_camel(name)} must be ≥ 0 with at most {money.minor_units(currency)} decimals."
    if errors:
        raise OrderValidationError(next(iter(errors.values())), errors)
    subtotal = sum((i.line_total for i in items), money.ZERO)
    total = subtotal + data.delivery_fee + data.tax + data.tip - data.discount
    if data.subtotal is not None and data.subtotal != subtotal:
        errors["subtotal"] = (
            f"subtotal {money.as_str(data.subtotal, currency)} does not match the items, "
            f"which add up to {money.as_str(subtotal, currency)}."
        )
    if data.total is not None and data.total != total:
        errors["total"] = (
            f"total {money.as_str(data.total, currency)} does not match the computed total "
            f"{money.as_str(total, currency)} (subtotal + deliveryFee + tax + tip - discount)."
        )
    if total < 0:
        errors.setdefault("discount", "The discount is larger than the order.")
    if max(subtotal, total) >= MAX_AMOUNT:
        errors.setdefault("total", f"The order adds up to more than {MAX_AMOUNT:,} {currency}.")
    if errors:
        raise OrderValidationError(next(iter(errors.values())), errors)
    return {
        "subtotal": subtotal,
        "delivery_fee": data.delivery_fee,
        "tax": data.tax,
        "discount": data.discount,
        "tip": data.tip,
        "total": total,
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def customer_upsert(*, company_id: UUID, phone: str, name: str = "", email: str = "") -> Customer:
    """Return the company's customer with this E.164 phone, created or refreshed; blank name/email keep stored ones.

    A returning customer costs one SELECT and takes no row lock unless a detail changed, so
    concurrent orders of one customer do not queue behind each other's transactions (an
    `INSERT … ON CONFLICT DO UPDATE` would lock the row until the order commits). A new one
    is inserted with ON CONFLICT DO NOTHING, so a concurrent first order cannot fail on it.
    Used by order creation and by customer syncs.
    """
    for _ in range(2):  # the second pass only when a concurrent insert won between the two statements
        customer = Customer.objects.filter(company_id=company_id, phone=phone).only("id", "name", "email").first()
        if customer is not None:
            changes = {f: v for f, v in (("name", name), ("email", email)) if v and getattr(customer, f) != v}
            if changes:
                Customer.objects.filter(pk=customer.pk).update(**changes, updated_at=timezone.now())
                for field_name, value in changes.items():
                    setattr(customer, field_name, value)
            return customer
        created = _customer_insert(company_id=company_id, phone=phone, name=name, email=email)
        if created is not None:
            return created
    raise RuntimeError("customer_upsert: the customer row vanished between insert and select")


def _customer_insert(*, company_id: UUID, phone: str, name: str, email: str) -> Customer | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new customer, or None if the phone exists."""
    now = timezone.now()
    pk = Customer._meta.pk
    sql = (
        f"INSERT INTO {Customer._meta.db_table} (id, company_id, name, phone, email, created_at, updated_at) "  # noqa: S608 - no user text
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (company_id, phone) DO NOTHING RETURNING id"
    )
    company_field = Customer._meta.get_field("company")
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                pk.get_db_prep_value(uuid.uuid4(), connection),
                company_field.get_db_prep_value(company_id, connection),
                name,
                phone,
                email,
                now,
                now,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Customer(id=pk.to_python(row[0]), company_id=company_id, phone=phone, name=name, email=email)


@transaction.atomic
def order_status_change(
    *,
    company_id: UUID,
    order_id: UUID,
    to_status: str,
    actor: str,
    reason: str = "",
    expected_status: str | None = None,
) -> Order:
    """Move an order to `to_status` through the machine, holding its row lock.

    The row lock (SELECT … FOR UPDATE) makes concurrent changes queue up: the second one
    sees the first one's result and is judged against it, so two never both win.
    Raises Order.DoesNotExist (another company's order too) and IllegalTransition.
    """
    order = Order.objects.select_for_update().get(company_id=company_id, pk=order_id)
    from_status = order.status
    if (expected_status is not None and expected_status != from_status) or not machine.can_transition(
        from_status, to_status, order.order_type
    ):
        raise IllegalTransition(order, to_status, expected_status=expected_status)
    now = timezone.now()
    order.status = to_status
    order.status_changed_at = now
    order.save(update_fields=["status", "status_changed_at", "updated_at"])
    event = OrderEvent.objects.create(
        order=order,
        company_id=company_id,
        kind=OrderEvent.Kind.STATUS_CHANGED,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        reason=reason,
    )
    publishing.order_status_changed(order=order, event=event)
    return order


# Details a provider may change after creation (order.updated); money and items are not among them.
UPDATABLE_FIELDS = ("customer_name", "customer_phone", "delivery_address", "notes", "branch_id")


@transaction.atomic
def order_update_details(
    *, company_id: UUID, order_id: UUID, changes: dict[str, Any], actor: str, reason: str = ""
) -> tuple[Order, bool]:
    """Apply changed details (UPDATABLE_FIELDS) and publish order.updated; returns (order, changed)."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:  # a programming error of the caller (providers' mappers), not the API's input
        raise ValueError(f"Not updatable: {', '.join(sorted(unknown))}")
    order = Order.objects.select_for_update().get(company_id=company_id, pk=order_id)
    changed = [name for name, value in changes.items() if getattr(order, name) != value]
    if not changed:
        return order, False
    for name in changed:
        setattr(order, name, changes[name])
    order.save(update_fields=[*changed, "updated_at"])
    event = OrderEvent.objects.create(
        order=order,
        company_id=company_id,
        kind=OrderEvent.Kind.UPDATED,
        from_status=order.status,
        to_status=order.status,
        actor=actor,
        reason=reason or "Changed: " + ", ".join(_camel(n) for n in changed),
    )
    publishing.order_updated(order=order, event=event, changed=[_camel(n) for n in changed])
    return order, True


@transaction.atomic
def product_upsert(*, company_id: UUID, sku: str, name: str, price: Decimal, currency: str = "USD") -> Product:
    """Create or update the company's product with this SKU."""
    product, _ = Product.objects.update_or_create(
        company_id=company_id, sku=sku, defaults={"name": name, "price": price, "currency": currency}
    )
    return product


# --- products and customers (the catalog API) ----------------------------------------------
# A sync writes these rows too (product_upsert, customer_upsert above); the API's writes below
# answer a taken SKU or phone with 409 instead of merging into the existing row.


class DuplicateProduct(Conflict):
    """409: the company already has a product with this SKU; details name it."""

    def __init__(self, product: Product) -> None:
        super().__init__(
            f"A product with sku {product.sku!r} already exists ({product.id}).",
            details={"sku": product.sku, "productId": product.id},
        )


class DuplicateCustomer(Conflict):
    """409: the company already has a customer with this phone; details name it."""

    def __init__(self, customer: Customer) -> None:
        super().__init__(
            f"A customer with phone {customer.phone} already exists ({customer.id}).",
            details={"phone": customer.phone, "customerId": str(customer.id)},
        )


PRODUCT_FIELDS = ("sku", "name", "price", "currency", "is_active")
CUSTOMER_FIELDS = ("name", "phone", "email")


def _catalog_save(instance: Product | Customer, *, fields: list[str] | None, on_conflict: Any) -> None:
    """Insert or update in a savepoint; the unique constraint (not a prior SELECT) decides a duplicate."""
    try:
        with transaction.atomic():
            if fields is None:
                instance.save(force_insert=True)
            else:
                instance.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        existing = on_conflict()
        if existing is None:  # a constraint other than the SKU/phone one: a bug, not the caller's input
            raise
        raise (DuplicateProduct if isinstance(instance, Product) else DuplicateCustomer)(existing) from None


def _checked_price(price: Decimal, currency: str) -> None:
    if price < 0 or not money.fits(price, currency) or price >= MAX_AMOUNT:
        raise InvalidInput(
            details={"price": f"price must be ≥ 0 with at most {money.minor_units(currency)} decimals in {currency}."}
        )


@transaction.atomic
def product_create(
    *,
    company_id: UUID,
    name: str,
    sku: str = "",
    price: Decimal = money.ZERO,
    currency: str = "USD",
    is_active: bool = True,
) -> Product:
    """Create a product; a SKU the company already uses raises DuplicateProduct (409)."""
    _checked_price(price, currency)
    product = Product(company_id=company_id, sku=sku, name=name, price=price, currency=currency, is_active=is_active)
    _catalog_save(
        product, fields=None, on_conflict=lambda: Product.objects.filter(company_id=company_id, sku=sku).first()
    )
    return product


@transaction.atomic
def product_update(*, company_id: UUID, product_id: int, changes: dict[str, Any]) -> Product:
    """Apply `changes` (PRODUCT_FIELDS) to the company's product; Product.DoesNotExist for anyone else's."""
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:  # a programming error of the caller: serializers only pass known fields
        raise ValueError(f"Not updatable: {', '.join(sorted(unknown))}")
    product = Product.objects.select_for_update().get(company_id=company_id, pk=product_id)
    for name, value in changes.items():
        setattr(product, name, value)
    _checked_price(product.price, product.currency)
    _catalog_save(
        product,
        fields=list(changes),
        on_conflict=lambda: Product.objects.filter(company_id=company_id, sku=product.sku)
        .exclude(pk=product.pk)
        .first(),
    )
    return product


@transaction.atomic
def customer_create(*, company_id: UUID, phone: str, name: str = "", email: str = "") -> Customer:
    """Create a customer (phone normalised to E.164); a phone the company already has raises DuplicateCustomer."""
    phone = _e164(phone)
    customer = Customer(company_id=company_id, phone=phone, name=name, email=email)
    _catalog_save(
        customer, fields=None, on_conflict=lambda: Customer.objects.filter(company_id=company_id, phone=phone).first()
    )
    return customer


@transaction.atomic
def customer_update(*, company_id: UUID, customer_id: UUID, changes: dict[str, Any]) -> Customer:
    """Apply `changes` (CUSTOMER_FIELDS) to the company's customer; Customer.DoesNotExist for anyone else's."""
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValueError(f"Not updatable: {', '.join(sorted(unknown))}")
    if "phone" in changes:
        changes = {**changes, "phone": _e164(changes["phone"])}
    customer = Customer.objects.select_for_update().get(company_id=company_id, pk=customer_id)
    for name, value in changes.items():
        setattr(customer, name, value)
    _catalog_save(
        customer,
        fields=list(changes),
        on_conflict=lambda: Customer.objects.filter(company_id=company_id, phone=customer.phone)
        .exclude(pk=customer.pk)
        .first(),
    )
    return customer


def _e164(phone: str) -> str:
    try:
        return to_e164(phone)
    except InvalidPhone as exc:
        raise InvalidInput(details={"phone": str(exc)}) from None
