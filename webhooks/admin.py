"""Operators' screens: endpoints (enable, disable, rotate, test), deliveries with attempts (retry), events.

Secrets are never displayed here: the admin shows a masked hint, and company owners read
a secret through the API (GET /api/v1/webhooks/{id}/secret).
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import NoBulkDeleteMixin, error_cell
from core.errors import InvalidInput
from webhooks import catalog, services, signing
from webhooks.models import Attempt, Delivery, Endpoint, Event


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(p, p) for p in catalog.allowed_patterns()], widget=forms.CheckboxSelectMultiple
    )
    # Values are shown masked; a value left masked keeps the stored one (they often carry tokens).
    headers = forms.JSONField(
        required=False,
        initial=dict,
        help_text='Custom headers, e.g. {"Authorization": "Bearer …"}. Values are masked; leave one masked to keep it.',
    )

    class Meta:
        model = Endpoint
        fields = ["company", "name", "url", "description", "events", "max_retries", "headers", "rate_limit", "metadata"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["headers"] = services.headers_masked(self.instance.headers)

    def clean_headers(self) -> dict:
        current = self.instance.headers if self.instance.pk else {}
        try:
            headers = services.headers_merge(current=current or {}, incoming=self.cleaned_data.get("headers") or {})
            services.headers_check(headers)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.details.get("headers", exc.message)) from exc
        return headers

    def clean(self):
        data = super().clean()
        try:
            if data.get("url"):
                services.url_check(data["url"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = [
        "name",
        "company",
        "url",
        "status",
        "disabled_reason",
        "failure_count",
        "last_success_at",
        "created_at",
    ]
    list_filter = ["status", ("company", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "url", "company__name", "id"]
    readonly_fields = [
        "status",
        "disabled_reason",
        "disabled_at",
        "secret_hint",
        "previous_secret_expires_at",
        "failure_count",
        "failing_since",
        "last_triggered_at",
        "last_success_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    actions = ["enable_endpoints", "disable_endpoints", "rotate_secrets", "send_test"]

    @admin.display(description="secret")
    def secret_hint(self, obj: Endpoint) -> str:
        return signing.mask(obj.secret) if obj.pk else ""

    def save_model(self, request: HttpRequest, obj: Endpoint, form, change: bool) -> None:
        fields = {k: form.cleaned_data[k] for k in form.Meta.fields if k != "company" and k in form.cleaned_data}
        if change:
            services.endpoint_update(endpoint=obj, **fields)
        else:
            created, _ = services.endpoint_create(
                company_id=form.cleaned_data["company"].id, created_by_id=request.user.pk, **fields
            )
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Endpoint) -> None:
        services.endpoint_delete(endpoint=obj)

    @admin.action(description="Enable (re-enable) selected endpoints")
    def enable_endpoints(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_enable(endpoint=endpoint)
        self.message_user(request, f"Enabled {queryset.count()} endpoint(s).", messages.SUCCESS)

    @admin.action(description="Disable selected endpoints")
    def disable_endpoints(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_disable(endpoint=endpoint, reason=f"Disabled by operator {request.user}")
        self.message_user(request, f"Disabled {queryset.count()} endpoint(s).", messages.SUCCESS)

    @admin.action(description="Rotate signing secret (old one signs for 24 h)")
    def rotate_secrets(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_secret_rotate(endpoint=endpoint)
        self.message_user(
            request,
            f"Rotated {queryset.count()} secret(s). Owners read the new secret with GET /api/v1/webhooks/<id>/secret.",
            messages.SUCCESS,
        )

    @admin.action(description="Send a test event now")
    def send_test(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset[:20]:
            attempt = services.endpoint_test_send(endpoint=endpoint)
            if attempt is not None and attempt.success:
                self.message_user(request, f"{endpoint.name}: HTTP {attempt.status_code} in {attempt.duration_ms} ms")
            else:
                detail = (attempt.error or f"HTTP {attempt.status_code}") if attempt else "not sent"
                self.message_user(request, f"{endpoint.name}: failed ({detail})", messages.WARNING)


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["number", "created_at", "success", "status_code", "duration_ms", "error", "response_body"]
    readonly_fields = fields
    ordering = ["number"]


class EventTypeFilter(admin.SimpleListFilter):
    title = "event type"
    parameter_name = "event_type"

    def lookups(self, request, model_admin):
        return [(t, t) for t in catalog.EVENT_TYPES]

    def queryset(self, request, queryset):
        return queryset.filter(event_type=self.value()) if self.value() else queryset


@admin.register(Delivery)
class DeliveryAdmin(NoBulkDeleteMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "endpoint",
        "company",
        "status",
        "attempt_count",
        "last_status_code",
        "error",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = [
        "status",
        EventTypeFilter,
        ("endpoint", admin.RelatedOnlyFieldListFilter),
        ("company", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    search_fields = ["id", "event__id", "endpoint__name", "endpoint__url"]
    list_select_related = ["endpoint", "company"]
    readonly_fields = [
        "company",
        "endpoint",
        "event",
        "event_type",
        "status",
        "attempt_count",
        "next_attempt_at",
        "claimed_until",
        "enqueued_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["claim_token"]
    inlines = [AttemptInline]
    actions = ["retry_selected"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="last error")
    def error(self, obj: Delivery) -> str:
        return error_cell(obj.last_error)

    @admin.action(description="Retry selected deliveries now")
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.deliveries_retry(delivery_ids=list(queryset.values_list("id", flat=True)))
        skipped = queryset.count() - count
        note = f" ({skipped} already scheduled, left alone)" if skipped else ""
        self.message_user(request, f"Re-enqueued {count} deliveries{note}.", messages.SUCCESS)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "company", "idempotency_key", "created_at"]
    list_filter = ["type", ("company", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["id", "idempotency_key"]
    readonly_fields = ["id", "company", "type", "data", "idempotency_key", "created_at", "updated_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
