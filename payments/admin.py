"""Operators' screens: payments with their refunds inline, filters, search, the gateway's answers read-only."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from core.admin import error_cell
from integrations.admin_filters import registry_filter
from integrations.providers import get_provider
from logs.redaction import redact
from payments import services
from payments.gateways import gateway_keys
from payments.models import Payment, Refund


def gateway_labels() -> list[tuple[str, str]]:
    return [(key, get_provider(key).label) for key in gateway_keys()]


def _pretty(value: object) -> str:
    # Stored answers are redacted on write; redacting again guards rows written before a new secret key name.
    return format_html("<pre style='white-space:pre-wrap'>{}</pre>", json.dumps(redact(value), indent=2, default=str))


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = [
        "id",
        "amount",
        "currency",
        "status",
        "reason",
        "gateway_refund_id",
        "failure_code",
        "source",
        "created_at",
    ]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "company",
        "gateway",
        "amount",
        "currency",
        "status",
        "failure",
        "gateway_transaction_id",
        "created_at",
    ]
    list_filter = [
        "status",
        registry_filter("gateway", "gateway", gateway_labels),
        "is_test",
        "currency",
        "created_at",
        "company",
    ]
    search_fields = ["=id", "gateway_transaction_id", "customer_id", "idempotency_key", "description", "=order_id"]
    list_select_related = ["company"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]
    actions = ["resend_pending"]
    exclude = ["gateway_response", "request_fingerprint"]
    readonly_fields = [
        f.name for f in Payment._meta.fields if f.name not in ("gateway_response", "request_fingerprint")
    ] + ["gateway_answer"]

    @admin.display(description="failure")
    def failure(self, obj: Payment) -> str:
        return error_cell(" ".join(filter(None, [obj.failure_code, obj.failure_message])))

    @admin.display(description="Gateway's last answer (secrets redacted)")
    def gateway_answer(self, obj: Payment) -> str:
        return _pretty(obj.gateway_response)

    @admin.action(description="Reconcile: re-send pending charges with their idempotency key")
    def resend_pending(self, request, queryset) -> None:
        settled, refused = 0, []
        for payment_id in queryset.filter(status=Payment.Status.PENDING).values_list("id", flat=True)[:50]:
            try:
                result = services.payment_resend(payment_id=payment_id, user_id=request.user.id)
            except services.ResendRefused as exc:
                refused.append(f"{payment_id}: {exc}")
                continue
            settled += result.payment.status != Payment.Status.PENDING
        self.message_user(request, f"{settled} payment(s) settled by the gateway's answer.")
        for line in refused:
            self.message_user(request, line, level=messages.WARNING)

    def has_add_permission(self, request) -> bool:
        return False  # payments are made through the API, which calls the gateway

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # money moved: the record stays


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["id", "payment", "company", "amount", "currency", "status", "failure", "source", "created_at"]
    list_filter = ["status", "source", "created_at", "company"]
    search_fields = ["=id", "gateway_refund_id", "=payment__id", "payment__gateway_transaction_id"]
    list_select_related = ["payment", "company"]
    exclude = ["gateway_response", "request_fingerprint"]
    readonly_fields = [
        f.name for f in Refund._meta.fields if f.name not in ("gateway_response", "request_fingerprint")
    ] + ["gateway_answer"]

    @admin.display(description="failure")
    def failure(self, obj: Refund) -> str:
        return error_cell(" ".join(filter(None, [obj.failure_code, obj.failure_message])))

    @admin.display(description="Gateway's last answer (secrets redacted)")
    def gateway_answer(self, obj: Refund) -> str:
        return _pretty(obj.gateway_response)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
