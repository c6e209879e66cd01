"""Reads of the operator home: what went wrong in the last 24 h, per company or all, hour by hour."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company
from integrations.models import Integration
from logs.models import ApiRequestLog
from messaging.models import Message
from payments.models import Payment
from sync.models import SyncRun
from webhooks.models import Delivery, Endpoint

# The home reads several apps' tables for counts only (no behaviour): one read-only module for
# the operator's overview beats seven per-app selectors each returning a COUNT and a histogram.
HOURS = 24
SPARK_W, SPARK_H = 240, 40


@dataclass
class Panel:
    """One tile of the operator home: a count, 24 hourly buckets and the admin list it comes from."""

    key: str
    title: str
    count: int
    hourly: list[int]
    link: str
    note: str = ""
    spark: dict[str, Any] = field(default_factory=dict)


def _hourly(queryset: QuerySet, time_field: str, since: datetime) -> list[int]:
    """Return the rows of `queryset` per hour since `since` (oldest first, HOURS buckets)."""
    rows = (
        queryset.filter(**{f"{time_field}__gte": since})
        .annotate(hour=TruncHour(time_field))
        .order_by()  # a default ordering would split the GROUP BY (one row per ordering value)
        .values("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    )
    buckets = [0] * HOURS
    for hour, n in rows:
        index = int((hour - since).total_seconds() // 3600)
        buckets[min(max(index, 0), HOURS - 1)] += n
    return buckets


def sparkline(values: list[int]) -> dict[str, Any]:
    """Return the geometry of an inline SVG sparkline (polyline points, 0 at the bottom)."""
    top = max(values) or 1
    step = (SPARK_W - 4) / max(len(values) - 1, 1)
    points = " ".join(
        f"{round(2 + k * step, 1)},{round(SPARK_H - 2 - (SPARK_H - 4) * v / top, 1)}" for k, v in enumerate(values)
    )
    return {"w": SPARK_W, "h": SPARK_H, "points": points, "max": max(values)}


def _link(name: str, params: dict[str, Any]) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def company_from_param(value: str | None) -> Company | None:
    """Return the company named by ?company=<uuid>, or None for all companies (or a bad value)."""
    try:
        return Company.objects.filter(id=UUID(value)).first() if value else None
    except ValueError:
        return None


def operator_home(*, company_id: UUID | None = None, now: datetime | None = None) -> list[Panel]:
    """Return the panels of the operator home for one company (or all) over the last 24 hours."""
    now = now or timezone.now()
    since = (now - timedelta(hours=HOURS - 1)).replace(minute=0, second=0, microsecond=0)
    cid = str(company_id) if company_id else ""

    def scoped(queryset: QuerySet, column: str = "company_id") -> QuerySet:
        return queryset.filter(**{column: company_id}) if company_id else queryset

    def panel(
        key: str,
        title: str,
        queryset: QuerySet,
        time_field: str,
        link: str,
        *,
        count: Callable[[], int] | None = None,
        note: str = "",
    ) -> Panel:
        hourly = _hourly(queryset, time_field, since)
        total = count() if count else sum(hourly)
        return Panel(key, title, total, hourly, link, note, sparkline(hourly))

    deliveries = scoped(Delivery.objects.filter(status__in=[Delivery.Status.FAILED, Delivery.Status.RETRYING]))
    endpoints = scoped(Endpoint.objects.filter(status__in=[Endpoint.Status.INACTIVE, Endpoint.Status.FAILED]))
    integrations = scoped(
        Integration.objects.filter(health_status__in=[Integration.Health.UNHEALTHY, Integration.Health.ERROR])
    )
    messages = scoped(Message.objects.filter(status=Message.Status.FAILED))
    payments = scoped(Payment.objects.filter(status__in=[Payment.Status.FAILED, Payment.Status.PENDING]))
    syncs = scoped(SyncRun.objects.filter(status=SyncRun.Status.FAILED))
    requests = scoped(ApiRequestLog.objects.all())
    company = {"company__id__exact": cid}
    return [
        panel(
            "deliveries",
            "Failing webhook deliveries",
            deliveries.filter(updated_at__gte=since),
            "updated_at",
            _link("admin:webhooks_delivery_changelist", {"status__in": "failed,retrying", **company}),
        ),
        panel(
            "endpoints",
            "Disabled webhook endpoints",
            endpoints,
            "disabled_at",
            _link("admin:webhooks_endpoint_changelist", {"status__in": "inactive,failed", **company}),
            count=endpoints.count,  # every disabled endpoint counts, not only those of the last 24 h
            note="all now disabled; the chart shows when",
        ),
        panel(
            "integrations",
            "Unhealthy integrations",
            integrations,
            "last_check_at",
            _link("admin:integrations_integration_changelist", {"health_status__in": "unhealthy,error", **company}),
            count=integrations.count,
            note="by last health check",
        ),
        panel(
            "messages",
            "Failed messages",
            messages,
            "updated_at",
            _link("admin:messaging_message_changelist", {"status__exact": "failed", **company}),
        ),
        panel(
            "payments",
            "Failed or pending payments",
            payments,
            "created_at",
            _link("admin:payments_payment_changelist", {"status__in": "failed,pending", **company}),
        ),
        panel(
            "syncs",
            "Failed syncs",
            syncs,
            "created_at",
            _link("admin:sync_syncrun_changelist", {"status__exact": "failed", **company}),
        ),
        panel(
            "throttled",
            "Rate-limited requests (429)",
            requests.filter(status_code=429),
            "timestamp",
            _link("admin:logs_apirequestlog_changelist", {"status_code": 429, "q": cid}),
        ),
        panel(
            "server_errors",
            "Server errors (5xx)",
            requests.filter(Q(status_code__gte=500)),
            "timestamp",
            _link("admin:logs_apirequestlog_changelist", {"status_code__gte": 500, "q": cid}),
        ),
    ]
