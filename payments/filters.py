"""Query filters of the payment list and stats (camelCase parameters)."""

from core import filters
from payments.models import GATEWAYS, Payment

# The payment lists' wording of an invalid value, which their clients already read.
ALLOWED_VALUES_MESSAGE = '"%(value)s" is not a valid {label}; allowed values: {allowed}.'


class PaymentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(Payment.Status.values, message=ALLOWED_VALUES_MESSAGE)
    gateway = filters.ChoiceFilter(GATEWAYS, message=ALLOWED_VALUES_MESSAGE)
    orderId = filters.UUIDFilter(field_name="order_id")
    customerId = filters.CharFilter(field_name="customer_id", max_length=255)
    integrationId = filters.UUIDFilter(field_name="integration_id")
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Payment
        fields: list[str] = []


class PaymentStatsFilter(filters.FilterSet):
    """The period and gateway of GET payments/stats (read by the stats selector, not applied to a queryset)."""

    gateway = filters.ChoiceFilter(GATEWAYS, message=ALLOWED_VALUES_MESSAGE)
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Payment
        fields: list[str] = []
