"""Back office for syncs: runs read-only with filters and the links they wrote, "run again", schedules."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from sync import services
from sync.models import SyncLink, SyncRun, SyncSchedule


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SyncLinkInline(admin.TabularInline):
    model = SyncLink
    fk_name = "last_run"
    extra = 0
    can_delete = False
    fields = ["kind", "our_id", "external_id", "external_modified_at", "our_modified_at", "content_hash"]
    readonly_fields = fields
    verbose_name_plural = "Records this run last wrote or confirmed"

    def has_add_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "integration",
        "company",
        "sync_type",
        "direction",
        "status",
        "duration_ms",
        "triggered_by",
        "error",
    ]
    list_filter = ["status", "sync_type", "direction", "provider", "triggered_by", "created_at", "company"]
    search_fields = ["=id", "=integration__id", "integration__name", "error"]
    date_hierarchy = "created_at"
    list_select_related = ["integration", "company"]
    inlines = [SyncLinkInline]
    actions = ["run_again"]

    @admin.action(description="Run again (same type, direction, strategy and batch size)")
    def run_again(self, request: HttpRequest, queryset: QuerySet[SyncRun]) -> None:
        started = 0
        for run in queryset.select_related("integration"):
            try:
                services.sync_run_again(
                    run=run, triggered_by=SyncRun.Trigger.USER, triggered_by_id=str(request.user.pk)
                )
                started += 1
            except (services.SyncAlreadyRunning, services.SyncRefused) as exc:
                self.message_user(request, f"{run.integration}: {exc}", messages.WARNING)
        if started:
            self.message_user(request, f"{started} sync(s) queued.", messages.SUCCESS)


@admin.register(SyncLink)
class SyncLinkAdmin(ReadOnlyAdmin):
    list_display = ["kind", "our_id", "external_id", "integration", "external_modified_at", "updated_at"]
    list_filter = ["kind", "integration__provider", "company"]
    search_fields = ["=our_id", "=external_id", "=integration__id"]
    list_select_related = ["integration"]


@admin.register(SyncSchedule)
class SyncScheduleAdmin(admin.ModelAdmin):
    list_display = ["integration", "company", "interval_minutes", "sync_type", "direction", "is_active", "next_run_at"]
    list_filter = ["is_active", "sync_type", "direction", "company"]
    search_fields = ["integration__name", "=integration__id"]
    raw_id_fields = ["integration"]
    readonly_fields = ["last_run", "created_at", "updated_at"]
    exclude = ["company"]

    def save_model(self, request: HttpRequest, obj: SyncSchedule, form: object, change: bool) -> None:
        obj.company_id = obj.integration.company_id  # a schedule always belongs to its integration's company
        super().save_model(request, obj, form, change)
