"""Query filters of the delivery and delivery-log lists (camelCase parameters)."""

from django.db.models import QuerySet

from core import filters
from webhooks import catalog
from webhooks.models import Attempt, Delivery


class DeliveryFilter(filters.FilterSet):
    errors_as_text = True
    status = filters.ChoiceFilter(Delivery.Status.values)
    eventType = filters.ChoiceFilter(catalog.EVENT_TYPES, field_name="event_type")
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Delivery
        fields: list[str] = []


class WebhookLogFilter(filters.FilterSet):
    errors_as_text = True
    webhookId = filters.UUIDFilter(field_name="delivery__endpoint_id", help_text="One endpoint's attempts.")
    status = filters.ChoiceFilter(["success", "failed"], method="filter_status")
    eventType = filters.ChoiceFilter(catalog.EVENT_TYPES, field_name="delivery__event_type")
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Attempt
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet[Attempt], name: str, value: str) -> QuerySet[Attempt]:
        return queryset.filter(success=value == "success") if value else queryset
