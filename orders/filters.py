"""Query filters of the order list (camelCase parameters)."""

from django.db.models import QuerySet

from core import filters
from core.phones import InvalidPhone, to_e164
from orders.models import Customer, Order, Product, provider_choices


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


class ProductFilter(filters.FilterSet):
    sku = filters.CharFilter(max_length=100)
    name = filters.CharFilter(lookup_expr="icontains", max_length=255, help_text="Part of the name, any case.")
    active = filters.BooleanFilter(field_name="is_active")
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Product
        fields: list[str] = []


class CustomerFilter(filters.FilterSet):
    email = filters.CharFilter(lookup_expr="iexact", max_length=254)
    phone = filters.CharFilter(method="filter_phone", max_length=40, help_text="Any format; compared in E.164.")
    name = filters.CharFilter(lookup_expr="icontains", max_length=200)
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_phone(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        try:
            return queryset.filter(phone=to_e164(value))
        except InvalidPhone:
            return queryset.none()  # no stored phone is invalid, so nothing matches
