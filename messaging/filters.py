"""Query filters of the message and template lists (camelCase parameters)."""

from core import filters
from messaging.models import Channel, Message, MessageTemplate
from messaging.providers import channel_providers


class MessageFilter(filters.FilterSet):
    status = filters.ChoiceFilter(Message.Status.values)
    channel = filters.ChoiceFilter(Channel.values)
    provider = filters.ChoiceFilter(
        # dict.fromkeys: a provider of several channels (the sandbox) is listed once
        dict.fromkeys(p for channel in Channel.values for p in channel_providers(channel))
    )
    bulkJob = filters.UUIDFilter(field_name="bulk_job_id")
    startDate, endDate = filters.date_range("created_at")

    class Meta:
        model = Message
        fields: list[str] = []


class MessageTemplateFilter(filters.FilterSet):
    channel = filters.ChoiceFilter(Channel.values)

    class Meta:
        model = MessageTemplate
        fields: list[str] = []
