"""Operators' screens: messages with their provider attempts (read-only, retry), templates with a preview, routes."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from core.admin import NoBulkDeleteMixin, error_cell
from messaging import rendering, services
from messaging.models import (
    BulkJob,
    Message,
    MessageAttempt,
    MessageTemplate,
    MessagingRoute,
    MessagingSettings,
    SandboxMessage,
)


class MessageAttemptInline(admin.TabularInline):
    model = MessageAttempt
    extra = 0
    can_delete = False
    fields = [
        "attempted_at",
        "run",
        "provider",
        "integration_name",
        "outcome",
        "status_code",
        "provider_message_id",
        "duration_ms",
        "error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(NoBulkDeleteMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "company",
        "channel",
        "recipient_list",
        "subject",
        "status",
        "error_column",
        "provider",
        "priority",
    ]
    list_filter = ["status", "channel", "provider", "priority", "source", "created_at", "company"]
    search_fields = ["id", "provider_message_id", "subject", "recipients", "idempotency_key", "company__name"]
    date_hierarchy = "created_at"
    list_select_related = ["company"]
    inlines = [MessageAttemptInline]
    actions = ["retry_failed"]

    def get_readonly_fields(self, request: HttpRequest, obj: Message | None = None) -> list[str]:
        return [f.name for f in Message._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages are sent through the API or services, which validate and render them

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return request.method in ("GET", "HEAD")  # a log-like record: readable, never edited

    @admin.display(description="error")
    def error_column(self, obj: Message) -> str:
        return error_cell(obj.error)

    @admin.display(description="To")
    def recipient_list(self, obj: Message) -> str:
        return ", ".join(obj.recipients) or "(default channel)"

    @admin.action(description="Retry failed messages (a fresh pass through the provider chain)")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = services.messages_retry(message_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"{count} failed message(s) queued again.", messages.SUCCESS)


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["company", "name", "channel", "description", "subject", "body_text", "body_html", "sample_context"]

    def clean(self) -> dict:
        data = super().clean()
        for name, html in (("subject", False), ("body_text", False), ("body_html", True)):
            try:
                rendering.template_check(data.get(name) or "", html=html)
            except rendering.TemplateError as exc:
                self.add_error(name, str(exc))
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["name", "channel", "company", "subject", "updated_at"]
    list_filter = ["channel"]
    search_fields = ["name", "subject", "company__name"]
    readonly_fields = ["preview", "created_at", "updated_at"]

    @admin.display(description="Preview (with the sample context)")
    def preview(self, obj: MessageTemplate) -> str:
        if obj.pk is None:
            return "Save the template to see a preview."
        try:
            rendered = services.template_preview(template=obj)
        except rendering.TemplateError as exc:
            return format_html("<em>{}</em>", str(exc))
        # The HTML part is shown as source text: the admin never renders a company's markup.
        return format_html(
            "<p><strong>Subject:</strong> {}</p><pre>{}</pre><pre>{}</pre>",
            rendered["subject"],
            rendered["body_text"],
            rendered["body_html"],
        )


@admin.register(MessagingRoute)
class MessagingRouteAdmin(admin.ModelAdmin):
    list_display = ["company", "channel", "priority", "integration"]
    list_filter = ["channel"]
    search_fields = ["company__name", "integration__name"]
    list_select_related = ["company", "integration"]
    raw_id_fields = ["integration"]


@admin.register(SandboxMessage)
class SandboxOutboxAdmin(admin.ModelAdmin):
    """What the sandbox provider "sent": read-only, newest first."""

    list_display = ["created_at", "company", "channel", "recipient", "subject", "short_text"]
    list_filter = ["channel", "created_at"]
    search_fields = ["recipient", "subject", "body_text", "message_id", "company__name"]
    list_select_related = ["company"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: SandboxMessage | None = None) -> list[str]:
        return [f.name for f in SandboxMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SandboxMessage | None = None) -> bool:
        return request.method in ("GET", "HEAD")

    @admin.display(description="Text")
    def short_text(self, obj: SandboxMessage) -> str:
        return obj.body_text[:80]


@admin.register(BulkJob)
class BulkJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "company", "channel", "template_name", "total", "priority"]
    list_filter = ["channel", "priority"]
    search_fields = ["id", "company__name", "template_name"]
    list_select_related = ["company"]

    def get_readonly_fields(self, request: HttpRequest, obj: BulkJob | None = None) -> list[str]:
        return [f.name for f in BulkJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(admin.ModelAdmin):
    list_display = ["company", "default_region", "email_per_minute", "sms_per_minute", "chat_per_minute"]
    search_fields = ["company__name"]
    raw_id_fields = ["company"]
