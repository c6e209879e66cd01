"""Admin of event streaming: sinks (status, lag, last error; pause, resume, replay), sources, custom types."""

from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from streaming import services
from streaming.models import EventType, Sink, SinkMessage, Source


@admin.register(Sink)
class SinkAdmin(admin.ModelAdmin):
    list_display = (
        "topic",
        "company",
        "integration",
        "status",
        "lag",
        "delivered_count",
        "last_delivered_at",
        "last_error",
    )
    list_filter = ("status", "company")
    search_fields = ("topic",)
    readonly_fields = (
        "delivered_count",
        "last_delivered_at",
        "last_error",
        "last_error_at",
        "created_at",
        "updated_at",
    )
    actions = ("pause", "resume", "replay_last_hour")

    @admin.display(description="lag (events not yet acknowledged)")
    def lag(self, obj: Sink) -> int:
        return SinkMessage.objects.filter(sink=obj, delivered_at__isnull=True).count()

    @admin.action(description="Pause (events wait in the outbox)")
    def pause(self, request: HttpRequest, queryset: QuerySet[Sink]) -> None:
        for sink in queryset:
            services.sink_update(sink=sink, status=Sink.Status.PAUSED)

    @admin.action(description="Resume")
    def resume(self, request: HttpRequest, queryset: QuerySet[Sink]) -> None:
        for sink in queryset:
            services.sink_update(sink=sink, status=Sink.Status.ACTIVE)

    @admin.action(description="Replay the last hour's events")
    def replay_last_hour(self, request: HttpRequest, queryset: QuerySet[Sink]) -> None:
        since = timezone.now() - timedelta(hours=1)
        count = sum(services.sink_replay(sink=sink, since=since) for sink in queryset)
        self.message_user(request, f"{count} event(s) queued again.", messages.SUCCESS)


@admin.register(SinkMessage)
class SinkMessageAdmin(admin.ModelAdmin):
    """Read-only: the outbox as the relay sees it."""

    list_display = ("id", "sink", "topic", "key", "delivered_at", "partition", "offset", "created_at")
    list_filter = (("delivered_at", admin.EmptyFieldListFilter),)
    search_fields = ("key", "topic")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SinkMessage | None = None) -> bool:
        return False


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "company", "group_id", "status", "consumed_count", "skipped_count", "last_error")
    list_filter = ("status", "company")
    readonly_fields = (
        "consumed_count",
        "skipped_count",
        "last_consumed_at",
        "last_error",
        "last_error_at",
        "created_at",
        "updated_at",
    )


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "updated_at")
    list_filter = ("company",)
    search_fields = ("name",)
