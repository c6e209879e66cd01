"""Reads of orders, always scoped to one company."""

from uuid import UUID

from django.db.models import Prefetch, QuerySet

from orders.models import Customer, Order, OrderEvent, OrderItem, Product


def order_list(*, company_id: UUID) -> QuerySet[Order]:
    """Return the company's orders with their items, newest first (the list's FilterSet narrows it)."""
    return (
        Order.objects.filter(company_id=company_id)
        .order_by("-created_at", "-id")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
    )


def order_get(*, company_id: UUID, order_id: UUID) -> Order:
    """Return one of the company's orders with its items (Order.DoesNotExist for anyone else's)."""
    return order_list(company_id=company_id).get(pk=order_id)


def order_events(*, company_id: UUID, order_id: UUID) -> QuerySet[OrderEvent]:
    """Return an order's history, oldest first."""
    return OrderEvent.objects.filter(company_id=company_id, order_id=order_id).order_by("created_at", "id")


def product_list(*, company_id: UUID) -> QuerySet[Product]:
    """Return the company's products by name (the list's FilterSet narrows it)."""
    return Product.objects.filter(company_id=company_id).order_by("name", "id")


def customer_list(*, company_id: UUID) -> QuerySet[Customer]:
    """Return the company's customers by name, then phone."""
    return Customer.objects.filter(company_id=company_id).order_by("name", "phone")
