"""Operators' screens: integrations (credentials masked, health check) and inbound events (reprocess)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from integrations import services
from integrations.admin_filters import registry_filter
from integrations.configuration import config_masked
from integrations.models import InboundEvent, Integration


class IntegrationAdminForm(forms.ModelForm):
    """Credentials are never rendered; they are changed through the API (validated per provider)."""

    class Meta:
        model = Integration
        fields = ["name", "status"]


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationAdminForm
    list_display = ["name", "company", "provider", "category", "status", "health_status", "last_check_at"]
    list_filter = ["status", "health_status", "category", registry_filter("provider", "provider")]
    search_fields = ["name", "company__name", "id"]
    readonly_fields = [
        "id",
        "company",
        "provider",
        "category",
        "masked_config",
        "health_status",
        "last_check_at",
        "last_check_latency_ms",
        "last_check_error",
        "created_at",
        "updated_at",
    ]
    actions = ["run_health_check"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created through the API, which validates config against the provider

    @admin.display(description="Config (secrets masked)")
    def masked_config(self, obj: Integration) -> str:
        rows = config_masked(config=obj.config, credentials=obj.credentials)
        return format_html(
            "<table>{}</table>",
            format_html("".join("<tr><th>{}</th><td>{}</td></tr>" for _ in rows), *sum(rows.items(), ())),
        )

    @admin.action(description="Run a health check now")
    def run_health_check(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset:
            result = services.integration_health_check(integration_id=integration.id, record_always=True)
            level = messages.SUCCESS if result and result.status == "healthy" else messages.WARNING
            detail = f" — {result.error}" if result and result.error else ""
            self.message_user(request, f"{integration.name}: {result.status if result else 'gone'}{detail}", level)


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "integration", "provider", "topic", "provider_event_id", "status", "attempts"]
    list_filter = ["status", registry_filter("provider", "provider"), "topic", "received_at"]
    search_fields = ["provider_event_id", "topic", "integration__name", "id"]
    date_hierarchy = "received_at"
    list_select_related = ["integration"]
    fields = [
        "id",
        "company",
        "integration",
        "provider",
        "topic",
        "provider_event_id",
        "received_at",
        "status",
        "attempts",
        "processed_at",
        "error",
        "content_type",
        "headers",
        "raw_body_view",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    actions = ["reprocess"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboundEvent | None = None) -> bool:
        return False

    @admin.display(description="Raw body")
    def raw_body_view(self, obj: InboundEvent) -> str:
        return format_html(
            '<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>', obj.body_text()
        )

    @admin.action(description="Reprocess the selected events")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[InboundEvent]) -> None:
        count = services.inbound_event_reprocess(event_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"{count} event(s) queued for processing again.", messages.SUCCESS)
