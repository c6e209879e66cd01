"""Operators' screens: read-only integration and request logs, CSV export, a dashboard, retention runs."""

import csv
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import ShowFacets
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from integrations.admin_filters import registry_filter
from logs import dashboard
from logs.admin_paging import EstimatedCountPaginator
from logs.models import ApiRequestLog, IntegrationLog, RetentionRun
from logs.serializers import REQUEST_LOG_FIELDS
from logs.tasks import logs_retention

MESSAGE_SEARCH_DAYS = 7


def pretty_json(value: Any) -> str:
    """Return a JSON value as an indented, escaped <pre> block."""
    if value in (None, "", {}, []):
        return "—"
    return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', json.dumps(value, indent=2))


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> Any:
    # A leading = + - @ would run as a formula in a spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


class _ReadOnlyLogAdmin(admin.ModelAdmin):
    """Logs are evidence: operators read and export them, never add, change or delete."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False  # no second, unfiltered COUNT over the whole table
    show_facets = ShowFacets.NEVER  # facet counts would scan millions of rows
    list_per_page = 50
    date_hierarchy = "timestamp"
    change_list_template = "admin/logs/log_change_list.html"
    csv_fields: list[str] = []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}_export_csv"
        return [
            path("export-csv/", self.admin_site.admin_view(self.export_csv), name=name),
            *super().get_urls(),
        ]

    def export_csv(self, request: HttpRequest) -> StreamingHttpResponse:
        """Stream the rows of the current filter and search as CSV (at most LOG_ADMIN_CSV_MAX_ROWS)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset: QuerySet = changelist.queryset
        limit = settings.LOG_ADMIN_CSV_MAX_ROWS
        fields = self.csv_fields

        def rows() -> Iterator[str]:
            writer = csv.writer(_Echo())
            yield writer.writerow(fields)
            for row in queryset.values_list(*fields)[:limit].iterator(chunk_size=2000):
                yield writer.writerow([_csv_cell(v) for v in row])

        name = f"{self.opts.model_name}-{timezone.now():%Y%m%d-%H%M%S}.csv"
        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(IntegrationLog)
class IntegrationLogAdmin(_ReadOnlyLogAdmin):
    list_display = [
        "timestamp",
        "company",
        "integration_type",
        "operation",
        "status_badge",
        "product_id",
        "external_product_id",
        "external_sku",
        "short_message",
    ]
    list_filter = ["status", registry_filter("integration_type", "integration type"), "operation", "company"]
    list_select_related = ["company"]
    search_help_text = (
        "Exact external id, SKU or product id, else words in the message; "
        "within the last 7 days unless a company or date is chosen."
    )
    search_fields = ["message"]  # get_search_results below does the real work
    fields = [
        "id",
        "timestamp",
        "company",
        "integration_id",
        "integration_type",
        "operation",
        "status",
        "product_id",
        "external_product_id",
        "external_sku",
        "user_id",
        "message",
        "error_details_pretty",
        "metadata_pretty",
    ]
    csv_fields = [
        "id",
        "timestamp",
        "company_id",
        "integration_id",
        "integration_type",
        "operation",
        "status",
        "product_id",
        "external_product_id",
        "external_sku",
        "user_id",
        "message",
        "error_details",
        "metadata",
    ]

    def get_urls(self) -> list:
        return [
            path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="logs_dashboard"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        """Success rate over time (an inline SVG chart) and the top recent errors."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Integration logs dashboard",
            **dashboard.dashboard_context(request.GET),
        }
        return TemplateResponse(request, "admin/logs/dashboard.html", context)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        # No index serves a search across companies (the API's indexes lead with the company),
        # so without a chosen company or date the search covers the last MESSAGE_SEARCH_DAYS,
        # newest first: a rare term never scans 10M rows. An exact external id, SKU or product
        # id wins; only when nothing matches exactly is the message searched (one OR over both
        # would defeat the newest-first scan).
        if not any(key.startswith(("company", "timestamp__")) for key in request.GET):
            queryset = queryset.filter(timestamp__gte=timezone.now() - timedelta(days=MESSAGE_SEARCH_DAYS))
        exact = Q(external_product_id=term) | Q(external_sku=term)
        if term.isascii() and term.isdigit() and len(term) < 19:
            exact |= Q(product_id=int(term))
        # Newest first with LIMIT 1 (not EXISTS): the planner then walks the time index
        # backwards and stops at the window's edge instead of scanning the table.
        if queryset.filter(exact).order_by("-timestamp", "-id").values_list("id", flat=True)[:1]:
            return queryset.filter(exact), False
        return queryset.filter(message__icontains=term), False

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: IntegrationLog) -> str:
        colour = {"success": "#2e7d32", "error": "#c62828", "pending": "#ef6c00"}.get(obj.status, "#555")
        return format_html('<strong style="color: {}">{}</strong>', colour, obj.status)

    @admin.display(description="message")
    def short_message(self, obj: IntegrationLog) -> str:
        return obj.message if len(obj.message) <= 90 else obj.message[:87] + "…"

    @admin.display(description="error details")
    def error_details_pretty(self, obj: IntegrationLog) -> str:
        return pretty_json(obj.error_details)

    @admin.display(description="metadata")
    def metadata_pretty(self, obj: IntegrationLog) -> str:
        return pretty_json(obj.metadata)


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(_ReadOnlyLogAdmin):
    list_display = [
        "timestamp",
        "method",
        "path",
        "status_code",
        "duration_ms",
        "company_id",
        "api_key_id",
        "ip_address",
    ]
    list_filter = ["method", "status_code"]
    search_fields = ["=request_id", "path", "=company_id"]
    search_help_text = "A request id (exact), a path prefix or part, or a company id (exact)."
    fields = REQUEST_LOG_FIELDS
    csv_fields = fields


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    change_list_template = "admin/logs/retentionrun_change_list.html"
    list_display = [
        "started_at",
        "status",
        "retention_days",
        "cutoff",
        "integration_logs_deleted",
        "request_logs_deleted",
        "batches",
        "duration",
    ]
    list_filter = ["status"]
    readonly_fields = [
        "status",
        "retention_days",
        "cutoff",
        "started_at",
        "finished_at",
        "integration_logs_deleted",
        "request_logs_deleted",
        "batches",
        "archive_files",
        "error",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list:
        return [
            path("run-now/", self.admin_site.admin_view(self.run_now), name="logs_retentionrun_run_now"),
            *super().get_urls(),
        ]

    def run_now(self, request: HttpRequest) -> HttpResponse:
        """Enqueue a retention run on the logs queue (POST only); the run appears in this list."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        logs_retention.delay()
        days = settings.LOG_RETENTION_DAYS
        messages.info(request, f"A retention run was queued: logs older than {days} days will be removed.")
        return HttpResponseRedirect(reverse("admin:logs_retentionrun_changelist"))

    @admin.display(description="duration")
    def duration(self, obj: RetentionRun) -> str:
        seconds = obj.duration_seconds()
        return "running" if seconds is None else f"{seconds:.1f} s"
