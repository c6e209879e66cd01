"""Query filters of the event list (camelCase parameters)."""

from django_filters import CharFilter

from core import filters
from webhooks.models import Event


class EventFilter(filters.FilterSet):
    errors_as_text = True
    # Free text: custom types are per company, so no fixed choice list.
    eventType = CharFilter(field_name="type", help_text="One event type, e.g. order.created")
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Event
        fields: list[str] = []
