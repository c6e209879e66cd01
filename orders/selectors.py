"""Reads of orders, always scoped to one company."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderEvent, OrderItem


def order_list(*, company_id: UUID, filters: dict[str, Any] | None = None) -> QuerySet[Order]:
    """Return the company's orders, newest first, narrowed by the list filters."""
    filters = filters or {}
    qs = Order.objects.filter(company_id=company_id)
    for name in ("status", "provider", "order_type", "branch_id", "external_order_id"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    start: datetime | None = filters.get("start_date")
    end: datetime | None = filters.get("end_date")
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end) if filters.get("end_exclusive") else qs.filter(created_at__lte=end)
    return qs.prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))


def order_get(*, company_id: UUID, order_id: UUID) -> Order:
    """Return one of the company's orders with its items (Order.DoesNotExist for anyone else's)."""
    return order_list(company_id=company_id).get(pk=order_id)


def order_events(*, company_id: UUID, order_id: UUID) -> QuerySet[OrderEvent]:
    """Return an order's history, oldest first."""
    return OrderEvent.objects.filter(company_id=company_id, order_id=order_id).order_by("created_at", "id")
