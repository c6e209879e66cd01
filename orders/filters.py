"""Query filters of the order list (camelCase parameters)."""

from core import filters
from orders.models import Order, provider_choices


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(Order.Status.values)
    provider = filters.ChoiceFilter(value for value, _ in provider_choices())
    orderType = filters.ChoiceFilter(Order.OrderType.values, field_name="order_type")
    branchId = filters.CharFilter(field_name="branch_id", max_length=100)
    externalOrderId = filters.CharFilter(field_name="external_order_id", max_length=100)
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Order
        fields: list[str] = []
