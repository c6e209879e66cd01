"""Back office for orders: items and history inline, filters, and status changes through the machine."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import NoBulkDeleteMixin
from integrations.admin_filters import registry_filter
from orders import services
from orders.models import Customer, Order, OrderEvent, OrderItem, Product, provider_choices
from orders.status import Status


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    fields = ["name", "sku", "product", "external_product_id", "quantity", "unit_price", "modifiers", "line_total"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


def _status_action(target: str) -> Callable:
    """Return an admin action moving the selected orders to `target` through the status machine."""

    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        moved, refused = 0, []
        for order in queryset.only("id", "company_id"):
            try:
                services.order_status_change(
                    company_id=order.company_id,
                    order_id=order.id,
                    to_status=target,
                    actor=f"admin:{request.user.get_username()}",
                    reason="Changed in the admin",
                )
                moved += 1
            except services.IllegalTransition as exc:
                refused.append(f"{order.id}: {exc.message}")
        if moved:
            modeladmin.message_user(request, f"{moved} order(s) moved to {target}.", messages.SUCCESS)
        for line in refused[:20]:
            modeladmin.message_user(request, line, messages.WARNING)

    action.__name__ = f"mark_{target}"
    action.short_description = f"Move to {Status(target).label} (through the status machine)"
    return action


@admin.register(Order)
class OrderAdmin(NoBulkDeleteMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "provider",
        "external_order_id",
        "company",
        "branch_id",
        "order_type",
        "status",
        "total",
        "currency",
        "customer_name",
    ]
    list_filter = [
        "status",
        registry_filter("provider", "provider", provider_choices),
        "order_type",
        "created_at",
        "company",
        "branch_id",
    ]
    search_fields = ["=id", "external_order_id", "customer_name", "customer_phone", "branch_id"]
    date_hierarchy = "created_at"
    list_select_related = ["company"]
    inlines = [OrderItemInline, OrderEventInline]
    actions = [_status_action(s) for s in Status.values if s != Status.PENDING]
    # Status, money and identity change only through services (machine, history, events).
    readonly_fields = [
        "id",
        "company",
        "provider",
        "external_order_id",
        "order_type",
        "status",
        "customer",
        "currency",
        "subtotal",
        "delivery_fee",
        "tax",
        "discount",
        "tip",
        "total",
        "placed_at",
        "status_changed_at",
        "idempotency_key",
        "metadata",
        "created_at",
        "updated_at",
        "branch_id",
        "customer_name",
        "customer_phone",
        "delivery_address",
        "notes",
    ]
    fieldsets = [
        (None, {"fields": ["id", "company", "provider", "external_order_id", "branch_id", "order_type", "status"]}),
        ("Customer", {"fields": ["customer", "customer_name", "customer_phone", "delivery_address", "notes"]}),
        ("Money", {"fields": ["currency", "subtotal", "delivery_fee", "tax", "discount", "tip", "total"]}),
        ("Times", {"fields": ["placed_at", "status_changed_at", "created_at", "updated_at"]}),
        ("Technical", {"fields": ["idempotency_key", "metadata"], "classes": ["collapse"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders arrive through the API and provider webhooks


@admin.register(Product)
class ProductAdmin(NoBulkDeleteMixin, admin.ModelAdmin):
    list_display = ["id", "name", "sku", "price", "currency", "company", "is_active", "updated_at"]
    list_filter = ["is_active", "currency", "company"]
    search_fields = ["name", "sku", "=id"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Customer)
class CustomerAdmin(NoBulkDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "phone", "email", "company", "created_at"]
    list_filter = ["company"]
    search_fields = ["name", "phone", "email"]
    readonly_fields = ["created_at", "updated_at"]
