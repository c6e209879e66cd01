"""Messaging endpoints: send (202, queued), list, read with attempts, test notification, templates, routes."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.principal import Principal, get_principal
from accounts.scopes import MESSAGES_SEND
from config.api.pagination import page_pagination
from core import idempotency
from core.errors import NotFound
from messaging import selectors, services
from messaging.filters import MessageFilter, MessageTemplateFilter
from messaging.models import BulkJob, Message, MessageTemplate
from messaging.serializers import (
    BulkJobDetailSerializer,
    BulkJobSerializer,
    BulkSendSerializer,
    ChatSendSerializer,
    DefaultTemplateListSerializer,
    DefaultTemplateSerializer,
    EmailSendSerializer,
    MessageCreateSerializer,
    MessageDetailSerializer,
    MessageSerializer,
    MessageTemplateSerializer,
    MessageTemplateUpdateSerializer,
    MessagingSettingsSerializer,
    RouteListSerializer,
    RouteSerializer,
    RouteSetSerializer,
    SmsSendSerializer,
    TemplatePreviewRequestSerializer,
    TemplatePreviewSerializer,
    TestNotificationResponseSerializer,
    TestNotificationSerializer,
)

SEND_RESPONSES = {
    202: MessageSerializer,
    400: OpenApiResponse(description="Invalid recipient, content or unknown template"),
    422: idempotency.REUSED_RESPONSE,
}
BULK_RESPONSES = {
    202: BulkJobSerializer,
    400: OpenApiResponse(description="A recipient's address or data is invalid (details name its index)"),
    422: idempotency.REUSED_RESPONSE,
}
UUID_REGEX = "[0-9a-fA-F-]{36}"


def actor_of(principal: Principal) -> str:
    return f"api_key:{principal.api_key_id}" if principal.is_api_key else f"user:{principal.user_id}"


@extend_schema(tags=["messaging"])
class MessageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Send email, SMS and chat messages through the company's providers; read them with their attempts."""

    required_scopes = [MESSAGES_SEND]
    # A test sends synchronously. Email and SMS limits (source API 004: 100/min, 50/min) are per company
    # and channel, counted per message by messaging.services.message_admit whichever endpoint sends.
    rate_limit = {"test": "10/min"}
    pagination_class = page_pagination("messages")
    serializer_class = MessageSerializer
    filterset_class = MessageFilter
    queryset = Message.objects.none()  # for the schema's model; requests use get_queryset()
    lookup_value_regex = UUID_REGEX

    def get_queryset(self) -> QuerySet[Message]:
        """The caller's company's messages, newest first."""
        return selectors.message_list(company_id=get_principal(self.request).company_id)

    def _send(self, request: Request, serializer_class: type[drf_serializers.Serializer]) -> Response:
        idem = idempotency.from_request(request)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = get_principal(request)
        if getattr(serializer, "is_bulk", lambda: False)():
            return self._bulk(serializer, principal, idem)
        result = services.message_create(
            company_id=principal.company_id,
            data=serializer.to_input(),
            idempotency=idem,
            created_by=actor_of(principal),
            admit=True,
        )
        headers = {} if result.created else idempotency.REPLAYED_HEADER
        return Response(MessageSerializer(result.message).data, status=status.HTTP_202_ACCEPTED, headers=headers)

    def _bulk(self, serializer: BulkSendSerializer, principal: Principal, idem: idempotency.IdempotencyKey) -> Response:
        result = services.bulk_create(
            company_id=principal.company_id, data=serializer.to_bulk(), idempotency=idem, created_by=actor_of(principal)
        )
        job = selectors.bulk_job_get(company_id=principal.company_id, job_id=result.job.id)
        headers = {} if result.created else idempotency.REPLAYED_HEADER
        return Response(BulkJobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers=headers)

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        """List messages, newest first; filter by status, channel, provider, bulk job and dates."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=BulkSendSerializer, parameters=[idempotency.PARAMETER], responses=BULK_RESPONSES)
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Request) -> Response:
        """Send to up to 10,000 recipients, one message each with its own data; 202 with the job and its counts."""
        idem = idempotency.from_request(request)
        serializer = BulkSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._bulk(serializer, get_principal(request), idem)

    @extend_schema(responses=BulkJobDetailSerializer)
    @action(detail=False, methods=["get"], url_path=f"bulk/(?P<job_id>{UUID_REGEX})")
    def bulk_job(self, request: Request, job_id: str) -> Response:
        """A bulk job: status, counts (queued, sending, sent, delivered, failed) and its first 100 messages."""
        try:
            job = selectors.bulk_job_get(company_id=get_principal(request).company_id, job_id=job_id)
        except (BulkJob.DoesNotExist, DjangoValidationError):
            raise NotFound("Bulk job not found.")
        return Response(BulkJobDetailSerializer(job).data)

    @extend_schema(responses=MessageDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        """One message with every provider attempt (provider, outcome, error, duration)."""
        try:
            message = selectors.message_get(company_id=get_principal(request).company_id, message_id=pk)
        except (Message.DoesNotExist, DjangoValidationError):
            raise NotFound("Message not found.")
        return Response(MessageDetailSerializer(message).data)

    @extend_schema(request=MessageCreateSerializer, parameters=[idempotency.PARAMETER], responses=SEND_RESPONSES)
    def create(self, request: Request) -> Response:
        """Queue a message of any channel, its content given directly or by template name and data."""
        return self._send(request, MessageCreateSerializer)

    @extend_schema(request=SmsSendSerializer, parameters=[idempotency.PARAMETER], responses=SEND_RESPONSES)
    @action(detail=False, methods=["post"])
    def sms(self, request: Request) -> Response:
        """Queue an SMS (source API 003 POST /api/integrations/sms/send)."""
        return self._send(request, SmsSendSerializer)

    @extend_schema(request=EmailSendSerializer, parameters=[idempotency.PARAMETER], responses=SEND_RESPONSES)
    @action(detail=False, methods=["post"])
    def email(self, request: Request) -> Response:
        """Queue an email (source API 003 POST /api/integrations/email/send); content is the HTML body."""
        return self._send(request, EmailSendSerializer)

    @extend_schema(request=ChatSendSerializer, parameters=[idempotency.PARAMETER], responses=SEND_RESPONSES)
    @action(detail=False, methods=["post"])
    def chat(self, request: Request) -> Response:
        """Queue a chat message (Slack)."""
        return self._send(request, ChatSendSerializer)

    @extend_schema(request=TestNotificationSerializer, responses={200: TestNotificationResponseSerializer})
    @action(detail=False, methods=["post"])
    def test(self, request: Request) -> Response:
        """Send a notification now through the provider chain and answer with the outcome (source API 004)."""
        serializer = TestNotificationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = get_principal(request)
        sent_messages = [
            services.message_send_test(company_id=principal.company_id, data=data, created_by=actor_of(principal))
            for data in serializer.to_inputs()
        ]
        message = sent_messages[0]
        sent = message.status == Message.Status.SENT
        outcome = {
            "success": sent,
            "message_id": message.id,
            "transporter": message.provider,
            "provider_message_id": message.provider_message_id,
            "status": message.status,
            "error": message.error,
        }
        body = {"success": sent, "data": outcome, "message": message, "messages": sent_messages}
        return Response(TestNotificationResponseSerializer(body).data)


@extend_schema(tags=["messaging"])
class MessageTemplateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A company's message templates (Django template syntax, sandboxed); built-ins are used when absent."""

    required_scopes = [MESSAGES_SEND]
    pagination_class = page_pagination("templates")
    serializer_class = MessageTemplateSerializer
    filterset_class = MessageTemplateFilter
    queryset = MessageTemplate.objects.none()  # for the schema's model; requests use get_queryset()
    lookup_value_regex = UUID_REGEX

    def get_queryset(self) -> QuerySet[MessageTemplate]:
        return selectors.template_list(company_id=get_principal(self.request).company_id)

    def _template(self, request: Request, pk: str) -> MessageTemplate:
        try:
            return selectors.template_get(company_id=get_principal(request).company_id, template_id=pk)
        except (MessageTemplate.DoesNotExist, DjangoValidationError):
            raise NotFound("Template not found.")

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        """The company's templates by name."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MessageTemplateSerializer, responses={201: MessageTemplateSerializer})
    def create(self, request: Request) -> Response:
        """Create a template; a template that does not compile is refused (400)."""
        serializer = MessageTemplateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.template_create(
            company_id=get_principal(request).company_id, data=serializer.validated_data
        )
        return Response(MessageTemplateSerializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MessageTemplateSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MessageTemplateSerializer(self._template(request, pk)).data)

    @extend_schema(request=MessageTemplateUpdateSerializer, responses=MessageTemplateSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change some fields of a template."""
        template = self._template(request, pk)
        serializer = MessageTemplateUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        template = services.template_update(template=template, data=serializer.validated_data)
        return Response(MessageTemplateSerializer(template).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.template_delete(template=self._template(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=TemplatePreviewRequestSerializer, responses=TemplatePreviewSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str) -> Response:
        """Render a template with the given data (default: its example) without sending anything."""
        template = self._template(request, pk)
        serializer = TemplatePreviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rendered = services.template_preview(template=template, context=serializer.validated_data.get("data"))
        return Response(TemplatePreviewSerializer(rendered).data)

    @extend_schema(responses=DefaultTemplateListSerializer)
    @action(detail=False, methods=["get"])
    def defaults(self, request: Request) -> Response:
        """Built-in templates (low_stock_alert, expiry_alert, daily_report, order_confirmation)."""
        return Response({"templates": DefaultTemplateSerializer(selectors.default_templates(), many=True).data})


class _ObjectResponseSchema(AutoSchema):
    """The routes list answers one object ({"routes": [...]}), not a bare array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


@extend_schema(tags=["messaging"])
class MessagingRouteViewSet(viewsets.ViewSet):
    schema = _ObjectResponseSchema()
    """The order in which a channel's integrations are tried (failover)."""

    required_scopes = [MESSAGES_SEND]
    serializer_class = RouteSerializer
    lookup_field = "channel"
    lookup_value_regex = "email|sms|chat"

    @extend_schema(responses=RouteListSerializer)
    def list(self, request: Request) -> Response:
        routes = selectors.route_list(company_id=get_principal(request).company_id)
        return Response({"routes": RouteSerializer(routes, many=True).data})

    @extend_schema(request=RouteSetSerializer, responses=RouteListSerializer)
    def update(self, request: Request, channel: str) -> Response:
        """Replace a channel's provider order; an empty list goes back to every active integration, oldest first."""
        serializer = RouteSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        routes = services.routes_set(
            company_id=get_principal(request).company_id,
            channel=channel,
            integration_ids=serializer.validated_data["integration_ids"],
        )
        return Response({"routes": RouteSerializer(routes, many=True).data})


@extend_schema(tags=["messaging"])
class MessagingSettingsView(viewsets.ViewSet):
    """The company's default phone region and its messages per minute per channel."""

    required_scopes = [MESSAGES_SEND]
    serializer_class = MessagingSettingsSerializer

    @extend_schema(responses=MessagingSettingsSerializer)
    def list(self, request: Request) -> Response:
        row = services.company_settings(get_principal(request).company_id)
        return Response(MessagingSettingsSerializer(row).data)

    @extend_schema(request=MessagingSettingsSerializer, responses=MessagingSettingsSerializer)
    def put(self, request: Request) -> Response:
        """Set defaultRegion (ISO 3166 alpha-2; national numbers are read in it) and limits (null: default)."""
        serializer = MessagingSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.settings_update(company_id=get_principal(request).company_id, data=serializer.validated_data)
        return Response(MessagingSettingsSerializer(row).data)
