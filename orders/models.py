"""Partner orders, their items and status history, and the products and customers they reference."""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q

from accounts.models import Company
from orders import status as machine

# Orders created through the API (not from a provider) carry this provider value.
API_PROVIDER = "api"
# The provider-registry capability orders.inbound attaches to every provider whose orders it maps.
ORDER_SOURCE = "order_source"


def provider_choices() -> list[tuple[str, str]]:
    """Return the allowed `provider` values of an order and their labels: each order source, then "api"."""
    from integrations.providers import get_provider, providers_with

    return [(key, get_provider(key).label) for key in providers_with(ORDER_SOURCE)] + [(API_PROVIDER, "API")]


def __getattr__(name: str) -> list[tuple[str, str]]:
    # ORDER_PROVIDER_CHOICES is read by the OpenAPI enum override in settings, after apps are ready.
    if name == "ORDER_PROVIDER_CHOICES":
        return provider_choices()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Product(models.Model):
    """A company's catalog product; its integer id is the `productId` of source API 000 and order items."""

    id = models.BigAutoField(primary_key=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=255)
    price = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="USD")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "sku"], condition=~Q(sku=""), name="uniq_product_company_sku"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})" if self.sku else self.name


class Customer(models.Model):
    """A person who ordered from a company, keyed by their E.164 phone number."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=20, help_text="E.164, e.g. +971501234567")
    email = models.EmailField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "phone"]
        constraints = [models.UniqueConstraint(fields=["company", "phone"], name="uniq_customer_company_phone")]

    def __str__(self) -> str:
        return f"{self.name} {self.phone}".strip()


class Order(models.Model):
    """An order from a delivery partner, a shop platform or the API, moving through the status machine."""

    class OrderType(models.TextChoices):
        DELIVERY = machine.DELIVERY, "Delivery"
        PICKUP = machine.PICKUP, "Pickup"
        DINE_IN = machine.DINE_IN, "Dine-in"

    Status = machine.Status

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No single-column index: every order index leads with company (fewer index writes per order).
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="orders", db_index=False)
    # No choices: the values are provider_choices() (the registry's order sources and "api"),
    # validated by the serializers, so a new order source needs no migration.
    provider = models.CharField(max_length=16, default=API_PROVIDER)
    external_order_id = models.CharField(max_length=100, blank=True, default="")
    branch_id = models.CharField(max_length=100)
    order_type = models.CharField(max_length=16, choices=OrderType.choices)
    status = models.CharField(max_length=20, choices=machine.Status.choices, default=machine.Status.PENDING)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    customer_name = models.CharField(max_length=200, blank=True, default="")
    customer_phone = models.CharField(max_length=20, blank=True, default="", help_text="E.164")
    delivery_address = models.TextField(blank=True, default="")
    notes = models.TextField(blank=True, default="")
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    delivery_fee = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    tax = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    discount = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    tip = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    total = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    placed_at = models.DateTimeField(null=True, blank=True, help_text="When the customer placed it, per the source")
    status_changed_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "provider", "external_order_id"],
                condition=~Q(external_order_id=""),
                name="uniq_order_company_provider_external",
            ),
            models.UniqueConstraint(
                fields=["company", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="uniq_order_company_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="order_company_created"),
            models.Index(fields=["company", "status", "-created_at"], name="order_company_status_created"),
            models.Index(fields=["company", "branch_id", "-created_at"], name="order_company_branch_created"),
        ]

    def __str__(self) -> str:
        ref = self.external_order_id or str(self.id)[:8]
        return f"{self.get_provider_display()} {ref} ({self.status})"

    def get_provider_display(self) -> str:
        """Return the provider's label (what `choices` gave before the values came from the registry)."""
        return dict(provider_choices()).get(self.provider, self.provider)

    def allowed_next(self) -> list[str]:
        """Return the statuses this order may move to next."""
        return machine.allowed_next(self.status, self.order_type)


class OrderItem(models.Model):
    """One line of an order: a product (by id and/or SKU), quantity, unit price and modifiers."""

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sku = models.CharField(max_length=100, blank=True, default="")
    external_product_id = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=3)
    # [{"name": "extra-cheese", "price": "1.50", "quantity": 1}, ...]; prices as strings, never floats.
    modifiers = models.JSONField(default=list, blank=True)
    line_total = models.DecimalField(max_digits=14, decimal_places=3)
    notes = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name or self.sku or self.product_id}"


class OrderEvent(models.Model):
    """One entry of an order's history: created, a status change, or an update of its details."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS_CHANGED = "status_changed", "Status changed"
        UPDATED = "updated", "Updated"

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    # Scoping only: history is always read by order, so the order index serves and this one is not kept.
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20)
    actor = models.CharField(max_length=120, help_text='Who made the change, e.g. "api_key:<id>", "user:7"')
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="orderevent_order_created")]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status} by {self.actor}"
