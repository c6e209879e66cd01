"""Request and response shapes of the messaging endpoints (template variables travel as `data`)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from config.api.fields import ModelSerializer
from messaging.models import BulkJob, Channel, Message, MessageAttempt, MessageTemplate, MessagingSettings, Priority
from messaging.providers import channel_providers
from messaging.services import BulkInput, BulkRecipient, MessageInput

PROVIDERS = list(dict.fromkeys(p for channel in Channel.values for p in channel_providers(channel)))


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


# The keys of a recipient object that name its address on each channel (source API 004: name, email, phone).
CONTACT_KEYS = {"email": Channel.EMAIL, "phone": Channel.SMS, "channel": Channel.CHAT}


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {
                    "to": {"type": "string"},
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "phone": {"type": "string"},
                    "data": {"type": "object"},
                },
            },
        ]
    }
)
class BulkRecipientField(serializers.Field):
    """A recipient: its address as a string, or {to?, email?, phone?, name?, data?} with its own template data."""

    default_error_messages = {
        "invalid": "A recipient is an address string or an object with to, email, phone, name and data.",
    }

    def to_internal_value(self, data: Any) -> BulkRecipient:
        if isinstance(data, str):
            return BulkRecipient(to=data)
        if not isinstance(data, dict):
            self.fail("invalid")
        own = data.get("data", {})
        if not isinstance(own, dict) or any(
            not isinstance(data.get(k, ""), str) for k in ("to", "name", "email", "phone", "channel")
        ):
            self.fail("invalid")
        contact = {channel: data[key] for key, channel in CONTACT_KEYS.items() if data.get(key)}
        if data.get("name") and "name" not in own:
            own = {**own, "name": data["name"]}
        return BulkRecipient(to=str(data.get("to") or ""), data=own, contact=contact)

    def to_representation(self, value: Any) -> Any:
        return value


def _recipients_field() -> serializers.ListField:
    return serializers.ListField(
        child=BulkRecipientField(),
        required=False,
        allow_empty=False,
        max_length=10_000,
        help_text="Several recipients, each with its own data: a bulk job (202 {id, status, counts}).",
    )


def _fallback_field() -> serializers.ListField:
    return serializers.ListField(
        child=choice("channel", Channel.choices),
        required=False,
        default=list,
        max_length=2,
        help_text='Channels tried in order when this one fails for a recipient, e.g. ["sms"].',
    )


class BulkCapable:
    """Seed endpoints that also accept `recipients: [...]`: then the request is a bulk job."""

    channel: str

    def is_bulk(self) -> bool:
        return bool(self.validated_data.get("recipients"))

    def to_bulk(self) -> BulkInput:
        v = self.validated_data
        return BulkInput(
            channel=v.get("channel") or self.channel,
            recipients=v["recipients"],
            subject=v.get("subject", ""),
            body_text=v.get("text", "") or v.get("message", ""),
            body_html=v.get("html", "") or v.get("content", ""),
            template_name=v.get("template", ""),
            context=v.get("data") or {},
            priority=Priority.URGENT if v.get("urgent") else v.get("priority") or Priority.NORMAL,
            fallback_channels=v.get("fallback_channels") or [],
        )


def _template_field() -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="A template name.")


def _data_field() -> serializers.DictField:
    return serializers.DictField(required=False, default=dict, help_text="The template's variables.")


class SmsSendSerializer(BulkCapable, serializers.Serializer):
    """Source API 003's SMS: to, message, urgent (or recipients for several)."""

    channel = Channel.SMS
    to = RecipientsField(required=False, help_text="E.164, e.g. +14155550100 (national numbers: company region)")
    message = serializers.CharField(required=False, allow_blank=True, max_length=1600)
    urgent = serializers.BooleanField(required=False, default=False)
    priority = choice("priority", Priority.choices, required=False)
    template = _template_field()
    data = _data_field()
    recipients = _recipients_field()
    fallback_channels = _fallback_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _to_or_recipients(attrs, channel=Channel.SMS)

    def to_input(self) -> MessageInput:
        v = self.validated_data
        return MessageInput(
            channel=Channel.SMS,
            to=v["to"],
            body_text=v.get("message", ""),
            template_name=v.get("template", ""),
            context=v["data"],
            priority=Priority.URGENT if v["urgent"] else v.get("priority", Priority.NORMAL),
            fallback_channels=v["fallback_channels"],
        )


def _to_or_recipients(attrs: dict[str, Any], *, channel: str = "", required: bool = True) -> dict[str, Any]:
    """`to` for one message, `recipients` for a bulk job; not both. Several SMS numbers in `to` are a bulk job."""
    if attrs.get("recipients") and attrs.get("to"):
        raise serializers.ValidationError({"recipients": "Give either to or recipients, not both."})
    if required and not attrs.get("recipients") and not attrs.get("to"):
        raise serializers.ValidationError({"to": "This field is required."})
    if (attrs.get("channel") or channel) == Channel.SMS and len(attrs.get("to") or []) > 1:
        # Each number gets its own SMS (and its own delivery report): that is a bulk job.
        attrs["recipients"], attrs["to"] = [BulkRecipient(to=number) for number in attrs["to"]], []
    return attrs


class EmailSendSerializer(BulkCapable, serializers.Serializer):
    """Source API 003's email: to, subject, content (HTML), priority (or recipients for a bulk job)."""

    channel = Channel.EMAIL
    to = RecipientsField(required=False)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=998)
    content = serializers.CharField(required=False, allow_blank=True, help_text="The HTML body.")
    text = serializers.CharField(
        required=False, allow_blank=True, help_text="The plain-text body (default: content without tags)."
    )
    priority = choice("priority", Priority.choices, required=False, default=Priority.NORMAL)
    template = _template_field()
    data = _data_field()
    recipients = _recipients_field()
    fallback_channels = _fallback_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _to_or_recipients(attrs)

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
            fallback_channels=v["fallback_channels"],
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


class MessageCreateSerializer(BulkCapable, serializers.Serializer):
    """Any channel, content given directly or through a template and its data (recipients: a bulk job)."""

    channel = choice("channel", Channel.choices)
    to = RecipientsField(required=False, default=list)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=998)
    text = serializers.CharField(required=False, allow_blank=True)
    html = serializers.CharField(required=False, allow_blank=True)
    priority = choice("priority", Priority.choices, required=False, default=Priority.NORMAL)
    template = _template_field()
    data = _data_field()
    recipients = _recipients_field()
    fallback_channels = _fallback_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _to_or_recipients(attrs, required=False)

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
            fallback_channels=v["fallback_channels"],
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

    fallback_channels = _fallback_field()

    def to_inputs(self) -> list[MessageInput]:
        """One message per recipient (each sees only itself), with its other addresses for fallback."""
        v = self.validated_data
        channel = v["type"]
        key = {"email": "email", "sms": "phone", "chat": "channel"}[channel]
        recipients = [r for r in v["recipients"] if r.get(key)] or ([{}] if channel == Channel.CHAT else [])
        if not recipients:
            raise serializers.ValidationError({"recipients": f"No recipient has a {key}."})
        if len(recipients) > 10:
            raise serializers.ValidationError({"recipients": "A test notification goes to at most 10 recipients."})
        data: dict[str, Any] = v["data"]
        inputs = []
        for r in recipients:
            contact = {CONTACT_KEYS[k]: r[k] for k in CONTACT_KEYS if r.get(k)}
            common = {"channel": channel, "to": [r[key]] if r.get(key) else [], "priority": "high", "contact": contact}
            common["fallback_channels"] = v["fallback_channels"]
            if v["template"] == "custom":
                text = str(data.get("message") or "")
                inputs.append(MessageInput(**common, subject=str(data.get("subject") or ""), body_text=text))
            else:
                inputs.append(MessageInput(**common, template_name=v["template"], context=data))
        return inputs


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
    bulk_job_id = serializers.UUIDField(allow_null=True)
    fallback_of_id = serializers.UUIDField(allow_null=True, help_text="The message this one falls back from.")
    fallback_channels = serializers.ListField(child=serializers.CharField(), help_text="Channels still to try.")

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
            "bulk_job_id",
            "fallback_of_id",
            "fallback_channels",
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
    fallback_ids = serializers.SerializerMethodField(help_text="The next hops created when this one failed.")

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "attempts", "fallback_ids"]

    def get_fallback_ids(self, message: Message) -> list[str]:
        return [str(i) for i in message.fallbacks.values_list("id", flat=True)]


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
    messages = MessageDetailSerializer(many=True, help_text="One per recipient (message is the first).")


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


class BulkSendSerializer(BulkCapable, serializers.Serializer):
    """A bulk send: one message per recipient, each rendered with the shared data and its own."""

    channel = choice("channel", Channel.choices)
    recipients = serializers.ListField(child=BulkRecipientField(), allow_empty=False, max_length=10_000)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=998)
    text = serializers.CharField(required=False, allow_blank=True)
    html = serializers.CharField(required=False, allow_blank=True)
    priority = choice("priority", Priority.choices, required=False, default=Priority.NORMAL)
    template = _template_field()
    data = _data_field()
    fallback_channels = _fallback_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _to_or_recipients(attrs, required=False)


class BulkCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    queued = serializers.IntegerField()
    sending = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()


class BulkJobSerializer(ModelSerializer):
    status = serializers.CharField(help_text="queued, sending or done (every message sent, delivered or failed).")
    counts = BulkCountsSerializer()

    class Meta:
        model = BulkJob
        fields = ["id", "status", "channel", "template_name", "priority", "counts", "created_at"]


class BulkJobDetailSerializer(BulkJobSerializer):
    messages = serializers.SerializerMethodField(help_text="The first 100; page through GET messages?bulkJob=<id>.")

    class Meta(BulkJobSerializer.Meta):
        fields = [*BulkJobSerializer.Meta.fields, "messages"]

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, job: BulkJob) -> list[dict[str, Any]]:
        return MessageSerializer(job.messages.order_by("created_at", "id")[:100], many=True).data


class LimitsSerializer(serializers.Serializer):
    email = serializers.IntegerField(min_value=1, max_value=1_000_000, allow_null=True, required=False)
    sms = serializers.IntegerField(min_value=1, max_value=1_000_000, allow_null=True, required=False)
    chat = serializers.IntegerField(min_value=1, max_value=1_000_000, allow_null=True, required=False)


# One object, although the view answers it from a viewset's `list` (which the schema would make an array).
@extend_schema_serializer(many=False)
class MessagingSettingsSerializer(serializers.Serializer):
    """A company's default phone region and its messages per minute per channel (null: the default)."""

    default_region = serializers.CharField(max_length=2, allow_blank=True, required=False)
    limits = LimitsSerializer(required=False)

    def to_representation(self, row: MessagingSettings) -> dict[str, Any]:
        from messaging.services import channel_limit

        return {
            "defaultRegion": row.default_region,
            "limits": {channel: channel_limit(row, channel) for channel in Channel.values},
        }
