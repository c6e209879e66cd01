"""Reads of syncs, always scoped to one company."""

from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet

from integrations.models import Integration
from sync.models import SyncRun, SyncSchedule


def sync_run_list(*, company_id: UUID) -> QuerySet[SyncRun]:
    """Return the company's runs, newest first (the list's FilterSet narrows them: sync/filters.py)."""
    return SyncRun.objects.filter(company_id=company_id).order_by("-created_at", "-id")


def sync_status(*, integration: Integration) -> dict[str, Any]:
    """Return source API 003's sync statistics, state and config of one integration."""
    runs = SyncRun.objects.filter(integration=integration)
    done = Q(status__in=[SyncRun.Status.COMPLETED, SyncRun.Status.FAILED])
    agg = runs.aggregate(
        total=Count("id", filter=done),
        ok=Count("id", filter=Q(status=SyncRun.Status.COMPLETED)),
        failed=Count("id", filter=Q(status=SyncRun.Status.FAILED)),
        avg=Avg("duration_ms", filter=done),
    )
    last = runs.filter(done).order_by("-finished_at", "-created_at").first()
    last_full = (
        runs.filter(status=SyncRun.Status.COMPLETED, sync_type=SyncRun.SyncType.FULL).order_by("-finished_at").first()
    )
    active = list(runs.filter(status__in=SyncRun.ACTIVE_STATUSES))
    schedule = SyncSchedule.objects.filter(integration=integration, is_active=True).first()
    return {
        "integration_id": integration.id,
        "provider": integration.provider,
        "stats": {
            "total_syncs": agg["total"],
            "successful_syncs": agg["ok"],
            "failed_syncs": agg["failed"],
            "last_sync_duration": last.duration_ms if last else None,
            "avg_sync_duration": round(agg["avg"]) if agg["avg"] is not None else None,
        },
        "sync_state": {
            "is_running": bool(active),
            "active_syncs": len(active),
            "last_full_sync": last_full.finished_at if last_full else None,
            "current_sync": active[0] if active else None,
        },
        "config": {
            "realTimeEnabled": bool(integration.values().get("webhookSecret")),
            "batchSize": settings.SYNC_DEFAULT_BATCH_SIZE,
            "conflictResolution": (schedule.conflict_strategy if schedule else settings.SYNC_DEFAULT_CONFLICT_STRATEGY),
            "syncIntervalMinutes": schedule.interval_minutes if schedule else None,
        },
        "last_sync": last,
    }
