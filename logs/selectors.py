"""Reads of integration and request logs, always scoped to one company."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, QuerySet

from logs.models import ApiRequestLog, IntegrationLog, RetentionRun

SORT_FIELDS: dict[str, str] = {"timestamp": "timestamp", "productId": "product_id", "status": "status"}


def integration_log_list(
    *,
    company_id: UUID,
    integration_type: str | None = None,
    operation: str | None = None,
    status: str | None = None,
    product_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    sort_by: str = "timestamp",
    sort_order: str = "desc",
) -> QuerySet[IntegrationLog]:
    """Return a company's logs filtered as the list endpoint of source API 000 allows, sorted."""
    qs = _filtered(
        IntegrationLog.objects.filter(company_id=company_id),
        integration_type=integration_type,
        operation=operation,
        status=status,
    )
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if start is not None:
        qs = qs.filter(timestamp__gte=start)
    if end is not None:
        qs = qs.filter(timestamp__lte=end)
    sign = "-" if sort_order == "desc" else ""
    field = SORT_FIELDS[sort_by]
    # The id breaks ties so pages never overlap; timestamp is the second key of the other sorts.
    order = [f"{sign}{field}", f"{sign}id"] if field == "timestamp" else [f"{sign}{field}", "-timestamp", "-id"]
    return qs.order_by(*order)


def integration_log_count(queryset: QuerySet[IntegrationLog], *, key: str) -> int:
    """Return the total of a filtered list; large totals may be a few seconds old.

    An exact COUNT walks every matching index entry: ~10 ms per 70k rows on the bench
    machine, the largest part of a list call at 10M rows. Totals of at least
    LOG_LIST_COUNT_CACHE_MIN rows are therefore kept LOG_LIST_COUNT_CACHE_SECONDS (default
    5 s) per company and filter, so paging through a big list counts once; small totals are
    always exact. `key` names the company and filters.
    """
    ttl = settings.LOG_LIST_COUNT_CACHE_SECONDS
    cache_key = "logs:count:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    if ttl > 0:
        cached = cache.get(cache_key)
        if cached is not None:
            return int(cached)
    total = queryset.count()
    if ttl > 0 and total >= settings.LOG_LIST_COUNT_CACHE_MIN:
        cache.set(cache_key, total, ttl)
    return total


def newest_with_total(queryset: QuerySet, *, limit: int) -> tuple[list, int]:
    """Return the first `limit` rows and the total; no COUNT when the rows are all there is."""
    rows = list(queryset[:limit])
    return rows, (queryset.count() if len(rows) == limit else len(rows))


def integration_log_page(queryset: QuerySet[IntegrationLog], *, offset: int, limit: int) -> list[IntegrationLog]:
    """Return one page of a sorted queryset as a deferred join.

    The page's ids come from an index-only scan (the indexes end in timestamp, id), and only
    those rows are read from the table: an OFFSET over full rows would read every skipped
    row's heap page (page 200 read ~4,000 rows from disk at 10M rows).
    """
    ids = list(queryset.values_list("id", flat=True)[offset : offset + limit])
    rows = IntegrationLog.objects.in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def integration_log_for_product(
    *,
    company_id: UUID,
    product_id: int,
    integration_type: str | None = None,
    operation: str | None = None,
    status: str | None = None,
) -> QuerySet[IntegrationLog]:
    """Return a product's logs, newest first."""
    qs = IntegrationLog.objects.filter(company_id=company_id, product_id=product_id)
    return _filtered(qs, integration_type=integration_type, operation=operation, status=status).order_by(
        "-timestamp", "-id"
    )


def integration_log_for_external(
    *, company_id: UUID, integration_type: str, external_id: str
) -> QuerySet[IntegrationLog]:
    """Return the logs of an external product id on one platform, newest first."""
    return IntegrationLog.objects.filter(
        company_id=company_id, integration_type=integration_type, external_product_id=external_id
    ).order_by("-timestamp", "-id")


def integration_log_errors(
    *, company_id: UUID, since: datetime, integration_type: str | None = None
) -> QuerySet[IntegrationLog]:
    """Return a company's error logs since a moment, newest first."""
    qs = IntegrationLog.objects.filter(company_id=company_id, status=IntegrationLog.Status.ERROR, timestamp__gte=since)
    return _filtered(qs, integration_type=integration_type).order_by("-timestamp", "-id")


@dataclass
class Stats:
    """Counts of one period: the summary, per operation and per integration type."""

    total: int
    by_status: dict[str, int]
    by_operation: dict[str, dict[str, int]]
    by_integration_type: dict[str, dict[str, int]]

    def success_rate(self) -> float:
        """Return the percentage of successful operations, to two decimals (0 when empty)."""
        if not self.total:
            return 0.0
        return round(self.by_status.get("success", 0) * 100 / self.total, 2)


def integration_log_stats(
    *, company_id: UUID, start: datetime, end: datetime, integration_type: str | None = None
) -> Stats:
    """Return the counts of a period with one grouped query (an index-only scan on PostgreSQL)."""
    qs = _filtered(
        IntegrationLog.objects.filter(company_id=company_id, timestamp__gte=start, timestamp__lte=end),
        integration_type=integration_type,
    )
    rows = qs.order_by().values_list("operation", "integration_type", "status").annotate(n=Count("*"))
    by_status: dict[str, int] = {s: 0 for s in IntegrationLog.Status.values}
    by_operation: dict[str, dict[str, int]] = {}
    by_type: dict[str, dict[str, int]] = {}
    total = 0
    for operation, itype, status, n in rows:
        total += n
        by_status[status] = by_status.get(status, 0) + n
        for bucket in (by_operation.setdefault(operation, _zero()), by_type.setdefault(itype, _zero())):
            bucket["total"] += n
            if status in bucket:
                bucket[status] += n
    return Stats(total=total, by_status=by_status, by_operation=by_operation, by_integration_type=by_type)


def _zero() -> dict[str, int]:
    return {"total": 0, "success": 0, "error": 0}


def _filtered(qs: QuerySet, **filters: Any) -> QuerySet:
    return qs.filter(**{field: value for field, value in filters.items() if value not in (None, "")})


def request_log_list(
    *,
    company_id: UUID,
    method: str | None = None,
    status_code: int | None = None,
    status_class: int | None = None,
    path_prefix: str | None = None,
    api_key_id: UUID | None = None,
    request_id: str | None = None,
    min_duration_ms: float | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[ApiRequestLog]:
    """Return a company's API request logs, newest first."""
    qs = ApiRequestLog.objects.filter(company_id=company_id)
    if method:
        qs = qs.filter(method=method)
    if status_code is not None:
        qs = qs.filter(status_code=status_code)
    if status_class is not None:
        qs = qs.filter(status_code__gte=status_class * 100, status_code__lt=(status_class + 1) * 100)
    if path_prefix:
        qs = qs.filter(path__startswith=path_prefix)
    if api_key_id is not None:
        qs = qs.filter(api_key_id=api_key_id)
    if request_id:
        qs = qs.filter(request_id=request_id)
    if min_duration_ms is not None:
        qs = qs.filter(duration_ms__gte=min_duration_ms)
    if start is not None:
        qs = qs.filter(timestamp__gte=start)
    if end is not None:
        qs = qs.filter(timestamp__lte=end)
    return qs.order_by("-timestamp", "-id")


def retention_last_run() -> RetentionRun | None:
    """Return the most recent retention run, if any."""
    return RetentionRun.objects.order_by("-started_at", "-id").first()


def request_metrics(*, company_id, since: datetime, until: datetime, top: int = 10) -> dict[str, Any]:
    """Return API performance over a window: volume, error rate, latency percentiles, busiest routes.

    Percentiles are computed by the database on PostgreSQL (percentile_cont); SQLite, which
    has no such aggregate, gets them from the sorted durations in Python.
    """
    from django.db import connection
    from django.db.models import Avg, Count, Q

    qs = ApiRequestLog.objects.filter(company_id=company_id, timestamp__gte=since, timestamp__lt=until)
    totals = qs.aggregate(
        total=Count("id"),
        client_errors=Count("id", filter=Q(status_code__gte=400, status_code__lt=500)),
        server_errors=Count("id", filter=Q(status_code__gte=500)),
        avg=Avg("duration_ms"),
    )
    total = totals["total"] or 0
    p50 = p95 = p99 = None
    if total and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) "
                "FROM logs_apirequestlog WHERE company_id = %s AND timestamp >= %s AND timestamp < %s",
                [company_id, since, until],
            )
            p50, p95, p99 = cursor.fetchone()[0]
    elif total:
        durations = sorted(qs.values_list("duration_ms", flat=True))
        p50, p95, p99 = (durations[min(len(durations) - 1, int(q * len(durations)))] for q in (0.5, 0.95, 0.99))
    routes = (
        qs.values("method", "route")
        .annotate(requests=Count("id"), errors=Count("id", filter=Q(status_code__gte=500)), avg=Avg("duration_ms"))
        .order_by("-requests")[:top]
    )

    def ms(value: float | None) -> float | None:
        return round(value, 2) if value is not None else None

    minutes = max((until - since).total_seconds() / 60, 1 / 60)
    return {
        "period": {"startDate": since, "endDate": until},
        "requests": {
            "total": total,
            "perMinute": round(total / minutes, 2),
            "clientErrors": totals["client_errors"],
            "serverErrors": totals["server_errors"],
            "errorRate": round(100 * totals["server_errors"] / total, 2) if total else 0.0,
        },
        "latencyMs": {"avg": ms(totals["avg"]), "p50": ms(p50), "p95": ms(p95), "p99": ms(p99)},
        "topEndpoints": [
            {
                "method": r["method"],
                "route": "/" + r["route"] if r["route"] else "",
                "requests": r["requests"],
                "serverErrors": r["errors"],
                "avgMs": ms(r["avg"]),
            }
            for r in routes
        ],
    }
