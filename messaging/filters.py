"""Query filters of the message and template lists (camelCase parameters)."""

from core import filters
from messaging.models import CHANNEL_PROVIDERS, Channel, Message, MessageTemplate


class MessageFilter(filters.FilterSet):
    status = filters.ChoiceFilter(Message.Status.values)
    channel = filters.ChoiceFilter(Channel.values)
    provider = filters.ChoiceFilter([p for providers in CHANNEL_PROVIDERS.values() for p in providers])
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Message
        fields: list[str] = []


class MessageTemplateFilter(filters.FilterSet):
    channel = filters.ChoiceFilter(Channel.values)

    class Meta:
        model = MessageTemplate
        fields: list[str] = []
