"""Request and response shapes of the messaging endpoints (template variables travel as `data`)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import ModelSerializer
from messaging.models import Channel, Message, MessageAttempt, MessageTemplate, Priority
from messaging.providers import channel_providers
from messaging.services import MessageInput

PROVIDERS = [p for channel in Channel.values for p in channel_providers(channel)]


def choice(label: str, choices: list[tuple[str, str]], **kwargs: Any) -> serializers.ChoiceField:
    """A choice whose error names every allowed value, as source API 000 does."""
    message = f"Invalid {label}. Must be one of: {', '.join(value for value, _ in choices)}"
    return serializers.ChoiceField(choices=choices, error_messages={"invalid_choice": message}, **kwargs)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]})
class RecipientsField(serializers.Field):
    """One recipient as a string, or several as a list of strings."""

    default_error_messages = {"invalid": "Give a recipient as a string or a list of strings."}

    def to_internal_value(self, data: Any) -> list[str]:
        if isinstance(data, str):
            return [data]
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            return data
        self.fail("invalid")

    def to_representation(self, value: Any) -> Any:
        return value


def _template_field() -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="A template name.")


def _data_field() -> serializers.DictField:
    return serializers.DictField(required=False, default=dict, help_text="The template's variables.")


class SmsSendSerializer(serializers.Serializer):
    """Source API 003's SMS: to, message, urgent."""

    to = serializers.CharField(max_length=32, help_text="E.164, e.g. +14155550100")
    message = serializers.CharField(required=False, allow_blank=True, max_length=1600)
    urgent = serializers.BooleanField(required=False, default=False)
    priority = choice("priority", Priority.choices, required=False)
    template = _template_field()
    data = _data_field()

    def to_input(self) -> MessageInput:
        v = self.validated_data
        return MessageInput(
            channel=Channel.SMS,
            to=[v["to"]],
            body_text=v.get("message", ""),
            template_name=v.get("template", ""),
            context=v["data"],
            priority=Priority.URGENT if v["urgent"] else v.get("priority", Priority.NORMAL),
        )


class EmailSendSerializer(serializers.Serializer):
    """Source API 003's email: to, subject, content (HTML), priority."""

    to = RecipientsField()
    subject = serializers.CharField(required=False, allow_blank=True, max_length=998)
    content = serializers.CharField(required=False, allow_blank=True, help_text="The HTML body.")
    text = serializers.CharField(
        required=False, allow_blank=True, help_text="The plain-text body (default: content without tags)."
    )
    priority = choice("priority", Priority.choices, required=False, default=Priority.NORMAL)
    template = _template_field()
    data = _data_field()

    def to_input(self) -> MessageInput:
        v = self.validated_data
        return MessageInput(
            channel=Channel.EMAIL,
            to=v["to"],
            subject=v.get("subject", ""),
            body_text=v.get("text", ""),
            body_html=v.get("content", ""),
            template_name=v.get("template", ""),
            context=v["data"],
            priority=v["priority"],
        )


class ChatSendSerializer(serializers.Serializer):
    to = serializers.CharField(
        required=False, allow_blank=True, max_length=80, help_text="A channel; default: the integration's."
    )
    message = serializers.CharField(required=False, allow_blank=True, max_length=40_000)
    priority = choice("priority", Priority.choices, required=False, default=Priority.NORMAL)
    template = _template_field()
    data = _data_field()

    def to_input(self) -> MessageInput:
        v = self.validated_data
        return MessageInput(
            channel=Channel.CHAT,
            to=[v["to"]] if v.get("to") else [],
            body_text=v.get("message", ""),
            template_name=v.get("template", ""),
            context=v["data"],
            priority=v["priority"],
        )


class MessageCreateSerializer(serializers.Serializer):
    """Any channel, content given directly or through a template and its data."""

    channel = choice("channel", Channel.choices)
    to = RecipientsField(required=False, default=list)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=998)
    text = serializers.CharField(required=False, allow_blank=True)
    html = serializers.CharField(required=False, allow_blank=True)
    priority = choice("priority", Priority.choices, required=False, default=Priority.NORMAL)
    template = _template_field()
    data = _data_field()

    def to_input(self) -> MessageInput:
        v = self.validated_data
        return MessageInput(
            channel=v["channel"],
            to=v["to"],
            subject=v.get("subject", ""),
            body_text=v.get("text", ""),
            body_html=v.get("html", ""),
            template_name=v.get("template", ""),
            context=v["data"],
            priority=v["priority"],
        )


class TestRecipientSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    channel = serializers.CharField(required=False, allow_blank=True, max_length=80, help_text="A chat channel.")


class TestNotificationSerializer(serializers.Serializer):
    """Source API 004's test notification: type, recipients, template ("custom" or a name), data."""

    type = choice("type", Channel.choices)
    recipients = TestRecipientSerializer(many=True, allow_empty=False)
    template = serializers.CharField(required=False, default="custom", max_length=100)
    data = _data_field()

    def to_input(self) -> MessageInput:
        v = self.validated_data
        channel = v["type"]
        key = {"email": "email", "sms": "phone", "chat": "channel"}[channel]
        to = [r.get(key, "") for r in v["recipients"] if r.get(key)]
        if not to and channel != Channel.CHAT:
            raise serializers.ValidationError({"recipients": f"No recipient has a {key}."})
        data: dict[str, Any] = v["data"]
        if v["template"] == "custom":
            text = str(data.get("message") or "")
            return MessageInput(
                channel=channel, to=to, subject=str(data.get("subject") or ""), body_text=text, priority="high"
            )
        return MessageInput(channel=channel, to=to, template_name=v["template"], context=data, priority="high")


class MessageAttemptSerializer(ModelSerializer):
    integration_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = MessageAttempt
        fields = [
            "run",
            "provider",
            "integration_id",
            "integration_name",
            "outcome",
            "provider_message_id",
            "status_code",
            "error",
            "duration_ms",
            "attempted_at",
        ]


class MessageSerializer(ModelSerializer):
    to = serializers.ListField(child=serializers.CharField(), source="recipients")
    idempotency_key = serializers.SerializerMethodField()
    text = serializers.CharField(source="body_text")
    html = serializers.CharField(source="body_html")
    template = serializers.CharField(source="template_name")
    data = serializers.DictField(source="context")
    integration_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "channel",
            "status",
            "to",
            "subject",
            "text",
            "html",
            "template",
            "data",
            "priority",
            "provider",
            "integration_id",
            "provider_message_id",
            "error",
            "idempotency_key",
            "source",
            "created_at",
            "updated_at",
            "sent_at",
            "delivered_at",
            "failed_at",
        ]

    def get_idempotency_key(self, message: Message) -> str | None:
        return message.idempotency_key or None  # stored "" when the request carried none


class MessageDetailSerializer(MessageSerializer):
    attempts = MessageAttemptSerializer(many=True)

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "attempts"]


class TestOutcomeSerializer(serializers.Serializer):
    """Source API 004's outcome; camelCase names because the renderer leaves keys inside `data` as they are."""

    success = serializers.BooleanField()
    messageId = serializers.UUIDField(source="message_id")
    transporter = serializers.CharField(help_text="The provider that sent it (or last tried).")
    providerMessageId = serializers.CharField(source="provider_message_id")
    status = serializers.CharField()
    error = serializers.CharField()


class TestNotificationResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    data = TestOutcomeSerializer()
    message = MessageDetailSerializer()


class MessageTemplateSerializer(ModelSerializer):
    name = serializers.SlugField(max_length=100)
    channel = choice("channel", Channel.choices)
    text = serializers.CharField(source="body_text", required=False, allow_blank=True)
    html = serializers.CharField(source="body_html", required=False, allow_blank=True)
    example = serializers.DictField(source="sample_context", required=False, help_text="Sample data for previews.")

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "name",
            "channel",
            "description",
            "subject",
            "text",
            "html",
            "example",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class MessageTemplateUpdateSerializer(MessageTemplateSerializer):
    name = serializers.SlugField(max_length=100, required=False)
    channel = choice("channel", Channel.choices, required=False)


class DefaultTemplateSerializer(serializers.Serializer):
    name = serializers.CharField()
    channel = serializers.CharField()
    description = serializers.CharField()
    subject = serializers.CharField()
    text = serializers.CharField(source="body_text")
    html = serializers.CharField(source="body_html")
    example = serializers.DictField(source="sample_context")


class TemplatePreviewRequestSerializer(serializers.Serializer):
    data = serializers.DictField(required=False, help_text="Variables; default: the template's example.")


class TemplatePreviewSerializer(serializers.Serializer):
    subject = serializers.CharField()
    text = serializers.CharField(source="body_text")
    html = serializers.CharField(source="body_html")


class RouteSerializer(serializers.Serializer):
    channel = serializers.CharField()
    integration_id = serializers.UUIDField()
    integration_name = serializers.CharField(source="integration.name")
    provider = serializers.CharField(source="integration.provider")
    priority = serializers.IntegerField()


class RouteSetSerializer(serializers.Serializer):
    integration_ids = serializers.ListField(
        child=serializers.UUIDField(), max_length=10, help_text="First tried first."
    )


class RouteListSerializer(serializers.Serializer):
    """The answer of the routes endpoints: every channel's provider order."""

    routes = RouteSerializer(many=True)


class DefaultTemplateListSerializer(serializers.Serializer):
    """The answer of templates/defaults: the built-in templates (not paginated)."""

    templates = DefaultTemplateSerializer(many=True)
