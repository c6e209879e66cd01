"""Operators' screens: integrations (credentials masked, health check) and inbound events (reprocess)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from rest_framework.exceptions import ValidationError

from core.admin import error_cell
from integrations import services
from integrations.admin_filters import registry_filter
from integrations.configuration import config_masked, config_merge
from integrations.models import InboundEvent, Integration

CONFIG_PREFIX, SECRET_PREFIX = "config__", "replace_secret__"


class IntegrationAdminForm(forms.ModelForm):
    """Name, status and the provider's config fields; a secret is replaced, never shown.

    Each secret field of the provider becomes a "replace" password input that renders empty:
    left blank it keeps the stored secret, filled it replaces it. The whole config is checked by
    the same merge the API uses (integrations.configuration.config_merge), so an operator cannot
    save what the API would refuse.
    """

    class Meta:
        model = Integration
        fields = ["name", "status"]

    config_fields: dict[str, str] = {}  # form field name -> provider config key (set per provider)

    def config_incoming(self) -> dict[str, Any]:
        """Return the config as the API's PATCH would send it: blank secrets left out (kept)."""
        incoming: dict[str, Any] = {}
        for name, key in self.config_fields.items():
            value = self.cleaned_data.get(name)
            if name.startswith(SECRET_PREFIX):
                if value:
                    incoming[key] = value
            else:
                incoming[key] = None if value in ("", None) else value
        return incoming

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk and self.config_fields:
            try:
                config_merge(
                    provider=self.instance.provider_spec(),
                    incoming=self.config_incoming(),
                    current_config=self.instance.config,
                    current_credentials=self.instance.credentials,
                )
            except ValidationError as exc:
                errors = exc.detail.get("config", {}) if isinstance(exc.detail, dict) else {}
                by_key = {key: name for name, key in self.config_fields.items()}
                for key, message in errors.items() if isinstance(errors, dict) else []:
                    self.add_error(by_key.get(key), str(message))
                if not isinstance(errors, dict) or not errors:
                    self.add_error(None, "The config was refused.")
        return data


def integration_form_for(integration: Integration) -> type[IntegrationAdminForm]:
    """Return the admin form of one integration: its provider's config fields declared on the class."""
    current = integration.config or {}
    stored = integration.credentials or {}
    declared: dict[str, Any] = {}
    mapping: dict[str, str] = {}
    for spec in integration.provider_spec().fields:
        name = f"{SECRET_PREFIX if spec.secret else CONFIG_PREFIX}{spec.name}"
        mapping[name] = spec.name
        if spec.secret:
            declared[name] = forms.CharField(
                label=f"Replace {spec.label}",
                required=False,
                strip=False,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text=("A value is stored. " if spec.name in stored else "No value stored. ")
                + "Leave blank to keep it; type a new value to replace it.",
            )
        elif spec.kind == "bool":
            declared[name] = forms.BooleanField(
                label=spec.label,
                required=False,
                initial=bool(current.get(spec.name, spec.default)),
                help_text=spec.help,
            )
        else:
            value = current.get(spec.name, spec.default)
            declared[name] = forms.CharField(
                label=spec.label + (" (required)" if spec.required else ""),
                required=False,  # config_merge names a missing required field with the provider's words
                initial="" if value is None else str(value),
                help_text=spec.help,
            )
    return type("IntegrationConfigForm", (IntegrationAdminForm,), {**declared, "config_fields": mapping})


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationAdminForm
    list_display = [
        "name",
        "company",
        "provider",
        "category",
        "status",
        "health_status",
        "check_error",
        "last_check_at",
    ]
    list_filter = ["status", "health_status", "category", registry_filter("provider", "provider"), "company"]
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

    def get_form(self, request: HttpRequest, obj: Integration | None = None, change: bool = False, **kwargs: Any):
        if obj is not None and "form" not in kwargs:
            kwargs["form"] = integration_form_for(obj)
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Integration, form: IntegrationAdminForm, change: bool) -> None:
        # Through the service: the config merge, the cache of resolved integrations and the log.
        services.integration_update(
            integration=Integration.objects.get(pk=obj.pk),
            name=form.cleaned_data["name"],
            status=form.cleaned_data["status"],
            config=form.config_incoming() if form.config_fields else None,
            user_id=request.user.pk,
        )

    @admin.display(description="last check error")
    def check_error(self, obj: Integration) -> str:
        return error_cell(obj.last_check_error)

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
